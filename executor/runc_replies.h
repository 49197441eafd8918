// runc's replies, as a ReplySink: what runc's Go parent reads from nsexec.
//
//   Ready  -> one NUL byte on the init pipe (runc 1.0.0-rc94 .. 1.1.x; the
//             plan sends Ready to a runc parent only for runc 1.1)
//   Pids   -> {"stage1_pid":N,"stage2_pid":M}\n on the init pipe
//   Log    -> {"level":"debug", "msg": "nsexec-0[42]: text"}\n on the log fd
//   Error  -> the same, at level fatal; without a log fd,
//             "FATAL: nsexec-1[7]: text\n" on stderr
//
// Writes never raise SIGPIPE: a parent that went away is an EPIPE error.
#ifndef NSBOOT_EXECUTOR_RUNC_REPLIES_H_
#define NSBOOT_EXECUTOR_RUNC_REPLIES_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "executor/reply_sink.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {

// nsexec's escaping for a JSON string body: '"' and '\\' get a backslash;
// \b \f \n \r \t short escapes; other bytes 0x01-0x1f and 0x7f as \u00XX;
// bytes >= 0x80 unchanged. (A NUL ends nsexec's C string; here it is \u0000.)
std::string RuncEscape(absl::string_view text);

// "panic", "fatal", "error", "warning", "info", "debug", "trace".
const char* RuncLevelName(v1::LogLevel level);

// "nsexec" (READER or unknown), "nsexec-0", "nsexec-1", "nsexec-2".
const char* RuncStageName(v1::Stage stage);

// {"level":"<lvl>", "msg": "<stage>[<pid>]: <escaped text>"}\n
std::string RuncLogLine(v1::LogLevel level, v1::Stage stage, int32_t pid,
                        absl::string_view text);

// {"stage1_pid":N,"stage2_pid":M}\n
std::string RuncPidsLine(int32_t stage1_pid, int32_t stage2_pid);

// Writes all of `data` to `fd`, looping on short writes and EINTR, without
// SIGPIPE (send(MSG_NOSIGNAL) on sockets; SIGPIPE blocked and drained
// around write(2) otherwise).
Status WriteAllNoSigpipe(int fd, absl::string_view data);

class RuncReplySink : public ReplySink {
 public:
  // Both fds are borrowed. log_fd may be -1 (no _LIBCONTAINER_LOGPIPE).
  RuncReplySink(int init_fd, int log_fd) : init_fd_(init_fd), log_fd_(log_fd) {}

  Status Send(const v1::plain::BootstrapReply& reply,
              const Attachments& attachments) override;

 private:
  int init_fd_;
  int log_fd_;
};

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_RUNC_REPLIES_H_
