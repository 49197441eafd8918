// What the parent told the hook through the environment. Pure parsing, so
// it is tested without a parent; embed/premain.cc reads the real variables.
//
//   runc's contract (libcontainer/nsenter): _LIBCONTAINER_INITPIPE (fd),
//     _LIBCONTAINER_LOGPIPE (fd, optional), _LIBCONTAINER_LOGLEVEL (logrus
//     level number 0 panic .. 6 trace, optional), _LIBCONTAINER_MOUNT_FDS
//     (runc 1.1: JSON array of fd numbers, -1 for none).
//   nsboot's contract: NSBOOT_INITPIPE (fd), NSBOOT_SEAL_EXE=1 (re-execute
//     from a sealed copy before reading the request).
//   Either: NSBOOT_RUNC_DIALECT=11|12 overrides the linked default.
//
// Values are checked as strictly as the pipe's bytes: fd numbers are
// canonical non-negative decimals below INT_MAX, and anything else is an
// error rather than a guess (runc's nsexec bails the same way).
#ifndef NSBOOT_EMBED_ENVIRONMENT_H_
#define NSBOOT_EMBED_ENVIRONMENT_H_

#include <functional>
#include <vector>

#include "codec/netlink.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain.h"  // and the generated header

namespace nsboot {
namespace embed {

enum class Contract {
  kNone,    // no init pipe: the hook is inert
  kRunc,    // _LIBCONTAINER_INITPIPE
  kNative,  // NSBOOT_INITPIPE
};

struct HookEnvironment {
  Contract contract = Contract::kNone;
  int init_fd = -1;
  int log_fd = -1;  // runc only; -1 when not given
  v1::LogLevel log_level = v1::LOG_LEVEL_UNSPECIFIED;
  codec::RuncDialect dialect = codec::RuncDialect::kRunc12;
  bool has_mount_fds = false;
  std::vector<int> mount_fds;  // runc 1.1 _LIBCONTAINER_MOUNT_FDS
  bool seal_requested = false;  // NSBOOT_SEAL_EXE=1
};

using GetEnv = std::function<const char*(const char* name)>;

// Parses the environment. `linked_dialect` is nsboot_runc_dialect (11 or
// 12). InvalidArgument names the variable and the reason.
StatusOr<HookEnvironment> ParseHookEnvironment(const GetEnv& getenv,
                                               int linked_dialect);

// "[3,-1,5]" -> {3, -1, 5}. At most codec::kMaxMountSources entries.
StatusOr<std::vector<int>> ParseMountFds(const char* text);

}  // namespace embed
}  // namespace nsboot

#endif  // NSBOOT_EMBED_ENVIRONMENT_H_
