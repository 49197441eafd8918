#include "codec/reader.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"

namespace nsboot {
namespace codec {
namespace {

// Appends exactly `count` bytes from `source` to `buffer`, in chunks, so the
// buffer grows with what arrives rather than with what was announced.
Status ReadExactly(ByteSource& source, size_t count, std::string* buffer) {
  size_t remaining = count;
  while (remaining > 0) {
    const size_t want = std::min(remaining, kReadChunkSize);
    const size_t old_size = buffer->size();
    buffer->resize(old_size + want);
    ssize_t got = source.Read(&(*buffer)[old_size], want);
    if (got < 0) {
      const int err = errno;
      buffer->resize(old_size);
      if (err == EINTR) continue;
      return InternalError(StrCat("offset ", old_size,
                                  ": read from init pipe: ", strerror(err)));
    }
    buffer->resize(old_size + static_cast<size_t>(got));
    if (got == 0) {
      return DataLossError(StrCat("offset ", buffer->size(),
                                  ": init pipe closed after ", buffer->size(),
                                  " bytes, in the middle of the message"));
    }
    remaining -= static_cast<size_t>(got);
  }
  return OkStatus();
}

}  // namespace

ssize_t FdByteSource::Read(char* buf, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd_, buf, size);
    if (n >= 0 || errno != EAGAIN) return n;
    struct pollfd pfd = {fd_, POLLIN, 0};
    if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return -1;
  }
}

StatusOr<Encoding> DetectEncoding(absl::string_view first_bytes) {
  if (first_bytes.size() < kDetectSize) {
    return DecodeError(first_bytes.size(), "too short to detect the encoding");
  }
  if (std::memcmp(first_bytes.data(), kFrameMagic, sizeof(kFrameMagic)) == 0) {
    return Encoding::kFrame;
  }
  uint16_t type;
  std::memcpy(&type, first_bytes.data() + 4, sizeof(type));  // host order
  if (type == kRuncInitMsgType) return Encoding::kNetlink;
  return DecodeError(0,
                     "neither a runc netlink message (type 62000 at offset 4) "
                     "nor an nsboot frame (magic \"NSBT\")");
}

StatusOr<ReadResult> ReadRequest(ByteSource& source,
                                 const ReaderOptions& options) {
  std::string buffer;
  NSBOOT_RETURN_IF_ERROR(ReadExactly(source, kDetectSize, &buffer));
  NSBOOT_ASSIGN_OR_RETURN(Encoding encoding, DetectEncoding(buffer));
  ReadResult result;
  result.encoding = encoding;
  if (encoding == Encoding::kNetlink) {
    if (!options.accept_netlink) {
      return DecodeError(0, "runc netlink messages are not accepted here");
    }
    NSBOOT_RETURN_IF_ERROR(
        ReadExactly(source, kNetlinkHeaderSize - kDetectSize, &buffer));
    NSBOOT_ASSIGN_OR_RETURN(uint32_t total, ParseNetlinkHeader(buffer));
    NSBOOT_RETURN_IF_ERROR(
        ReadExactly(source, total - kNetlinkHeaderSize, &buffer));
    NSBOOT_ASSIGN_OR_RETURN(result.request,
                            DecodeNetlinkPlain(buffer, options.runc_dialect));
  } else {
    if (!options.accept_frame) {
      return DecodeError(0, "nsboot frames are not accepted here");
    }
    NSBOOT_RETURN_IF_ERROR(
        ReadExactly(source, kFrameHeaderSize - kDetectSize, &buffer));
    NSBOOT_ASSIGN_OR_RETURN(FrameHeader header, ParseFrameHeader(buffer));
    if (header.kind != FrameKind::kRequest) {
      return DecodeError(5, "a reply frame where a request was expected");
    }
    NSBOOT_RETURN_IF_ERROR(ReadExactly(source, header.payload_size, &buffer));
    NSBOOT_ASSIGN_OR_RETURN(result.request, DecodeRequestFramePlain(buffer));
  }
  result.size = buffer.size();
  return result;
}

StatusOr<ReadResult> ReadRequestFromFd(int fd, const ReaderOptions& options) {
  FdByteSource source(fd);
  return ReadRequest(source, options);
}

}  // namespace codec
}  // namespace nsboot
