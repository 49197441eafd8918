// The parent side of the pre-main hook's tests: spawns a host program (C,
// C++ or Go, with the hook linked in) with an init pipe, plays nsboot's
// native parent or runc's, and parses the "key=value" report the host's
// main() prints (embed/testing/report.h, embed/go/testing/gohost).
#ifndef NSBOOT_EMBED_TESTING_HARNESS_H_
#define NSBOOT_EMBED_TESTING_HARNESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace testing_harness {

// The inode of this process's namespace `type` ("net", ...), or "?".
std::string OwnNs(const char* type);

struct Host {
  pid_t pid = -1;
  int sock = -1;  // our end of the init pipe
  int out = -1;   // the host's stdout
};

// Starts `binary` with the child end of a socketpair at fd 3, named by
// `pipe_var` (none if empty), plus `env` ("K=V").
Host Spawn(const std::string& binary, const std::string& pipe_var,
           const std::vector<std::string>& env = {});

bool ReadExactly(int fd, char* buf, size_t n);

// Reads one reply frame; fds sent with it (SCM_RIGHTS) go to *fds.
bool ReadReply(int sock, v1::BootstrapReply* reply, std::vector<int>* fds);

// Everything until EOF.
std::string ReadAll(int fd);

// One line, with its '\n'.
std::string ReadLine(int fd);

std::map<std::string, std::string> ParseReport(const std::string& text);

// The exit status, or 128 + the signal.
int WaitExit(pid_t pid);

struct NativeRun {
  std::vector<v1::BootstrapReply> replies;
  std::vector<int> fds;
  int host_exit = -1;
  std::map<std::string, std::string> report;
  std::string stdout_text;
};

// Plays a native parent: sends `request`, reads replies until Pids or Error,
// collects the host's report and reaps all three stages.
NativeRun RunNative(const std::string& binary,
                    const v1::BootstrapRequest& request,
                    const std::vector<std::string>& env = {});

// Mount, UTS, IPC, PID, net and cgroup namespaces to create.
v1::BootstrapRequest CreateAllButUser();

}  // namespace testing_harness
}  // namespace nsboot

#endif  // NSBOOT_EMBED_TESTING_HARNESS_H_
