#include "executor/runc_replies.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "common/str_cat.h"

namespace nsboot {
namespace executor {

std::string RuncEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char escaped[7];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x",
                        static_cast<unsigned>(c));
          out += escaped;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

const char* RuncLevelName(v1::LogLevel level) {
  switch (level) {
    case v1::LOG_LEVEL_PANIC: return "panic";
    case v1::LOG_LEVEL_FATAL: return "fatal";
    case v1::LOG_LEVEL_ERROR: return "error";
    case v1::LOG_LEVEL_WARNING: return "warning";
    case v1::LOG_LEVEL_INFO: return "info";
    case v1::LOG_LEVEL_DEBUG: return "debug";
    case v1::LOG_LEVEL_TRACE: return "trace";
    default: return "info";
  }
}

const char* RuncStageName(v1::Stage stage) {
  switch (stage) {
    case v1::STAGE_PARENT: return "nsexec-0";
    case v1::STAGE_CHILD: return "nsexec-1";
    case v1::STAGE_INIT: return "nsexec-2";
    default: return "nsexec";
  }
}

std::string RuncLogLine(v1::LogLevel level, v1::Stage stage, int32_t pid,
                        absl::string_view text) {
  return StrCat("{\"level\":\"", RuncLevelName(level), "\", \"msg\": \"",
                RuncStageName(stage), "[", pid, "]: ", RuncEscape(text),
                "\"}\n");
}

std::string RuncPidsLine(int32_t stage1_pid, int32_t stage2_pid) {
  return StrCat("{\"stage1_pid\":", stage1_pid, ",\"stage2_pid\":", stage2_pid,
                "}\n");
}

Status WriteAllNoSigpipe(int fd, absl::string_view data) {
  // A socket takes MSG_NOSIGNAL; anything else refuses send() with ENOTSOCK
  // before writing a byte. Trying send() first spares an fstat per reply.
  size_t done = 0;
  int err = 0;
  bool socket = true;
  while (done < data.size()) {
    const ssize_t n =
        send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == ENOTSOCK && done == 0) {
      socket = false;
    } else {
      err = errno;
    }
    break;
  }
  if (socket) {
    return err != 0 ? ErrnoToStatus(err, "write") : OkStatus();
  }
  // A pipe: block SIGPIPE around the writes and take back one we caused.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool pending_before = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == EPIPE && !pending_before) {
    const struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  if (err != 0) return ErrnoToStatus(err, "write");
  return OkStatus();
}

Status RuncReplySink::Send(const v1::plain::BootstrapReply& reply,
                           const Attachments& attachments) {
  using Kind = v1::plain::BootstrapReply::Kind;
  switch (reply.kind) {
    case Kind::kReady:
      return WriteAllNoSigpipe(init_fd_, absl::string_view("\0", 1));
    case Kind::kPids:
      return WriteAllNoSigpipe(
          init_fd_, RuncPidsLine(reply.pids.stage1_pid, reply.pids.stage2_pid));
    case Kind::kLog: {
      if (log_fd_ < 0) return OkStatus();
      const v1::plain::LogRecord& log = reply.log;
      return WriteAllNoSigpipe(
          log_fd_, RuncLogLine(log.level, log.stage, log.pid, log.message));
    }
    case Kind::kError: {
      const v1::plain::Error& error = reply.error;
      if (log_fd_ < 0) {
        return WriteAllNoSigpipe(
            STDERR_FILENO, StrCat("FATAL: ", RuncStageName(error.stage), "[",
                                  attachments.pid, "]: ", error.message, "\n"));
      }
      return WriteAllNoSigpipe(log_fd_,
                               RuncLogLine(v1::LOG_LEVEL_FATAL, error.stage,
                                           attachments.pid, error.message));
    }
    case Kind::kNone:
      break;
  }
  return InvalidArgumentError("empty reply");
}

}  // namespace executor
}  // namespace nsboot
