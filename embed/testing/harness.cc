#include "embed/testing/harness.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "codec/frame.h"
#include "codec/reply_reader.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace testing_harness {

std::string OwnNs(const char* type) {
  struct stat st;
  std::string path = absl::StrCat("/proc/self/ns/", type);
  return stat(path.c_str(), &st) == 0 ? std::to_string(st.st_ino) : "?";
}

Host Spawn(const std::string& binary, const std::string& pipe_var,
           const std::vector<std::string>& env) {
  int sv[2], out[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
  std::vector<std::string> env_strings = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  if (!pipe_var.empty()) env_strings.push_back(pipe_var + "=3");
  for (const auto& e : env) env_strings.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(&e[0]);
  envp.push_back(nullptr);
  std::string argv0 = binary;
  char* argv[] = {&argv0[0], nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(sv[1], 3);  // dup2 clears CLOEXEC on the new fd
    dup2(out[1], 1);
    execve(binary.c_str(), argv, envp.data());
    _exit(127);
  }
  close(sv[1]);
  close(out[1]);
  return Host{pid, sv[0], out[0]};
}

bool ReadReply(int sock, v1::BootstrapReply* reply, std::vector<int>* fds) {
  auto frame = codec::ReadReplyFrame(sock);
  if (!frame.ok()) return false;
  *reply = std::move(frame->reply);
  fds->insert(fds->end(), frame->fds.begin(), frame->fds.end());
  return true;
}

std::string ReadAll(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) s.append(buf, n);
  return s;
}

std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (read(fd, &c, 1) == 1) {
    line.push_back(c);
    if (c == '\n') break;
  }
  return line;
}

std::map<std::string, std::string> ParseReport(const std::string& text) {
  std::map<std::string, std::string> m;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.size() == 2) m[kv[0]] = kv[1];
  }
  return m;
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

NativeRun RunNative(const std::string& binary,
                    const v1::BootstrapRequest& request,
                    const std::vector<std::string>& env) {
  NativeRun run;
  Host host = Spawn(binary, "NSBOOT_INITPIPE", env);
  auto frame = codec::EncodeRequestFrame(request);
  EXPECT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(write(host.sock, frame->data(), frame->size()),
            static_cast<ssize_t>(frame->size()));
  v1::BootstrapReply reply;
  while (ReadReply(host.sock, &reply, &run.fds)) {
    run.replies.push_back(reply);
    if (reply.has_pids() || reply.has_error()) break;
  }
  run.stdout_text = ReadAll(host.out);
  run.report = ParseReport(run.stdout_text);
  run.host_exit = WaitExit(host.pid);
  if (!run.replies.empty() && run.replies.back().has_pids()) {
    const auto& pids = run.replies.back().pids();
    // 0: a two-process plan, no stage 1.
    if (pids.stage1_pid() > 0) {
      EXPECT_EQ(WaitExit(pids.stage1_pid()), 0);
    }
    EXPECT_EQ(WaitExit(pids.stage2_pid()), 0);
  }
  for (int fd : run.fds) close(fd);
  close(host.sock);
  close(host.out);
  return run;
}

v1::BootstrapRequest CreateAllButUser() {
  v1::BootstrapRequest r;
  r.set_schema_version(1);
  for (auto ns : {v1::NAMESPACE_MOUNT, v1::NAMESPACE_UTS, v1::NAMESPACE_IPC,
                  v1::NAMESPACE_PID, v1::NAMESPACE_NET, v1::NAMESPACE_CGROUP}) {
    r.add_create_namespaces(ns);
  }
  return r;
}

}  // namespace testing_harness
}  // namespace nsboot
