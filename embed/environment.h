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

// The inert check, run at every start of every host: true when `env` (an
// environ-style array; nullptr is empty) gives _LIBCONTAINER_INITPIPE or
// NSBOOT_INITPIPE a non-empty value, the first entry of a name deciding, as
// with getenv. It calls no libc function (a lazily bound getenv costs a
// symbol lookup) and compares against the names only for entries that begin
// like one of them, so an ordinary start touches no page of the host's
// read-only data for it (a page fault, ~4 us, at every start). It is
// `hot`: GCC puts it in .text.hot, which the default linker script places
// right after .text.startup (main(), the constructors), so it shares their
// pages instead of faulting in one from the middle of the hook's text.
__attribute__((hot)) bool NamesInitPipe(char* const* env);

// "[3,-1,5]" -> {3, -1, 5}. At most codec::kMaxMountSources entries.
StatusOr<std::vector<int>> ParseMountFds(const char* text);

}  // namespace embed
}  // namespace nsboot

#endif  // NSBOOT_EMBED_ENVIRONMENT_H_
