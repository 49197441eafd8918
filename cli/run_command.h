// nsboot run: a parent that starts a command inside namespaces through the
// executor.
//
//   nsboot run [--config FILE | NAMESPACE FLAGS] [--join PID] [--json] [--]
//              CMD [ARGS...]
//
// The calling process is the executor's stage 0 and the stages' parent
// (RunOptions::stages_are_callers_children): it may join namespaces, so
// RunRun is for a process that exits when it returns (the nsboot binary;
// tests call it in a child). It reaps the stages and waits for the command
// (stage 2). Its exit status is the command's (128+N for a signal);
// nsboot's own failures are 125 (setup failed), 126 (CMD not executable)
// and 127 (CMD not found), each with one stderr line.
#ifndef NSBOOT_CLI_RUN_COMMAND_H_
#define NSBOOT_CLI_RUN_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/wire_commands.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace cli {

int RunRun(const std::vector<std::string>& args, CommandIo io);

extern const char kRunHelp[];

// The request `nsboot run` uses without --config: new user, pid, mount, uts,
// ipc and net namespaces; the caller's uid and gid mapped to root; setgroups
// denied (so an unprivileged caller may write gid_map).
v1::BootstrapRequest DefaultRunRequest(uint32_t uid, uint32_t gid);

// The request of namespace flags (-m, --net, ...): a new namespace of each
// type in `create`, in that order; with a user namespace, the caller's uid
// and gid mapped to root and setgroups denied, as above.
v1::BootstrapRequest CreateRunRequest(const std::vector<v1::Namespace>& create,
                                      uint32_t uid, uint32_t gid);

// Adds joins of every namespace of `pid` that differs from this process's
// own (as `nsenter --all --target PID` does), by pid, so the executor joins
// them with one setns(pidfd, mask). Types already in the request are left
// alone; with no --config the default creations are dropped.
absl::Status AddJoinAll(int pid, v1::BootstrapRequest* request);

}  // namespace cli
}  // namespace nsboot

#endif  // NSBOOT_CLI_RUN_COMMAND_H_
