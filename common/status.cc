#include "common/status.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace nsboot {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = StatusCodeName(code_);
  out += ": ";
  out += message_;
  return out;
}

StatusCode ErrnoToStatusCode(int error_number) {
  switch (error_number) {
    case 0:
      return StatusCode::kOk;
    case EINVAL:
    case ENAMETOOLONG:
    case E2BIG:
    case EDESTADDRREQ:
    case EDOM:
    case EFAULT:
    case EILSEQ:
    case ENOPROTOOPT:
    case ENOSTR:
    case ENOTSOCK:
    case ENOTTY:
    case EPROTOTYPE:
    case ESPIPE:
      return StatusCode::kInvalidArgument;
    case ETIMEDOUT:
    case ETIME:
      return StatusCode::kDeadlineExceeded;
    case ENODEV:
    case ENOENT:
    case ENXIO:
    case ESRCH:
#ifdef ENOMEDIUM
    case ENOMEDIUM:
#endif
      return StatusCode::kNotFound;
    case EEXIST:
    case EADDRNOTAVAIL:
    case EALREADY:
    case ENOTUNIQ:
      return StatusCode::kAlreadyExists;
    case EPERM:
    case EACCES:
    case ENOKEY:
    case EROFS:
      return StatusCode::kPermissionDenied;
    case ENOTEMPTY:
    case EISDIR:
    case ENOTDIR:
    case EADDRINUSE:
    case EBADF:
    case EBADFD:
    case EBUSY:
    case ECHILD:
    case EISCONN:
    case ENOTBLK:
    case ENOTCONN:
    case EPIPE:
    case ESHUTDOWN:
    case ETXTBSY:
    case EUNATCH:
#ifdef EISNAM
    case EISNAM:
#endif
      return StatusCode::kFailedPrecondition;
    case ENOSPC:
    case EMFILE:
    case EMLINK:
    case ENFILE:
    case ENOBUFS:
    case ENODATA:
    case ENOMEM:
    case ENOSR:
    case EUSERS:
    case EDQUOT:
      return StatusCode::kResourceExhausted;
    case ECHRNG:
    case EFBIG:
    case EOVERFLOW:
    case ERANGE:
      return StatusCode::kOutOfRange;
    case ENOPKG:
    case ENOSYS:
    case ENOTSUP:
    case EAFNOSUPPORT:
    case EPFNOSUPPORT:
    case EPROTONOSUPPORT:
    case ESOCKTNOSUPPORT:
    case EXDEV:
      return StatusCode::kUnimplemented;
    case EAGAIN:
    case ECOMM:
    case ECONNREFUSED:
    case ECONNABORTED:
    case ECONNRESET:
    case EINTR:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case ENETDOWN:
    case ENETRESET:
    case ENETUNREACH:
    case ENOLCK:
    case ENOLINK:
    case ENONET:
      return StatusCode::kUnavailable;
    case EDEADLK:
    case ESTALE:
      return StatusCode::kAborted;
    case ECANCELED:
      return StatusCode::kCancelled;
    default:
      return StatusCode::kUnknown;
  }
}

Status ErrnoToStatus(int error_number, absl::string_view message) {
  std::string text(message);
  text += ": ";
  text += strerror(error_number);
  return Status(ErrnoToStatusCode(error_number), text);
}

namespace status_internal {

void AbortNoValue(const Status& status) {
  std::string line =
      "nsboot: value of a StatusOr that is not OK: " + status.ToString() + "\n";
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
  std::abort();
}

}  // namespace status_internal
}  // namespace nsboot
