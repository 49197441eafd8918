#include "executor/proc_joins.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {
namespace {

using Join = v1::plain::NamespaceJoin;

v1::plain::BootstrapRequest Paths(
    const std::vector<std::pair<v1::Namespace, std::string>>& paths) {
  v1::plain::BootstrapRequest request;
  for (const auto& [type, path] : paths) {
    Join join;
    join.type = type;
    join.target = Join::Target::kPath;
    join.path = path;
    request.join_namespaces.push_back(join);
  }
  return request;
}

TEST(CommonProcPidTest, RuncExecPaths) {
  EXPECT_EQ(CommonProcPid(Paths({{v1::NAMESPACE_IPC, "/proc/4242/ns/ipc"},
                                 {v1::NAMESPACE_UTS, "/proc/4242/ns/uts"},
                                 {v1::NAMESPACE_NET, "/proc/4242/ns/net"},
                                 {v1::NAMESPACE_PID, "/proc/4242/ns/pid"},
                                 {v1::NAMESPACE_MOUNT, "/proc/4242/ns/mnt"},
                                 {v1::NAMESPACE_CGROUP, "/proc/4242/ns/cgroup"},
                                 {v1::NAMESPACE_USER, "/proc/4242/ns/user"},
                                 {v1::NAMESPACE_TIME, "/proc/4242/ns/time"}})),
            4242);
}

TEST(CommonProcPidTest, AnythingElseKeepsThePaths) {
  const char* const kNotOne[][2] = {
      {"/proc/7/ns/net", "/proc/8/ns/uts"},     // two processes
      {"/proc/7/ns/uts", "/proc/7/ns/net"},     // files swapped
      {"/proc/7/ns/net", "/run/netns/x"},       // a bind mount
      {"/proc/07/ns/net", "/proc/07/ns/uts"},   // leading zero
      {"/proc/0/ns/net", "/proc/0/ns/uts"},     // no pid 0
      {"/proc/7/ns/net/", "/proc/7/ns/uts"},    // trailing slash
      {"/proc/7/ns//net", "/proc/7/ns/uts"},
      {"/proc/self/ns/net", "/proc/self/ns/uts"},
      {"/proc/2147483648/ns/net", "/proc/2147483648/ns/uts"},  // > INT32_MAX
      {"/proc/7/ns/", "/proc/7/ns/uts"},
      {"/proc/7", "/proc/7/ns/uts"},
      {"/proc/", "/proc/7/ns/uts"},
      {"", "/proc/7/ns/uts"},
  };
  for (const auto& paths : kNotOne) {
    SCOPED_TRACE(std::string(paths[0]) + " " + paths[1]);
    EXPECT_EQ(CommonProcPid(Paths({{v1::NAMESPACE_NET, paths[0]},
                                   {v1::NAMESPACE_UTS, paths[1]}})),
              0);
  }
  // One path gains nothing; a pid target among them is not rewritten.
  EXPECT_EQ(CommonProcPid(Paths({{v1::NAMESPACE_NET, "/proc/7/ns/net"}})), 0);
  v1::plain::BootstrapRequest mixed = Paths(
      {{v1::NAMESPACE_NET, "/proc/7/ns/net"}, {v1::NAMESPACE_UTS, "/proc/7/ns/uts"}});
  Join by_pid;
  by_pid.type = v1::NAMESPACE_IPC;
  by_pid.target = Join::Target::kPid;
  by_pid.pid = 7;
  mixed.join_namespaces.push_back(by_pid);
  EXPECT_EQ(CommonProcPid(mixed), 0);
  EXPECT_EQ(CommonProcPid(v1::plain::BootstrapRequest()), 0);
}

TEST(JoinProcPathsByPidTest, RewritesWhenProcIsOurs) {
  ASSERT_TRUE(ProcNamesSameProcess(getpid()))
      << "the test runs with the machine's /proc";
  const std::string self = std::to_string(getpid());
  v1::plain::BootstrapRequest request =
      Paths({{v1::NAMESPACE_NET, "/proc/" + self + "/ns/net"},
             {v1::NAMESPACE_UTS, "/proc/" + self + "/ns/uts"}});
  ASSERT_TRUE(JoinProcPathsByPid(&request));
  for (const Join& join : request.join_namespaces) {
    EXPECT_EQ(join.target, Join::Target::kPid);
    EXPECT_EQ(join.pid, getpid());
    EXPECT_EQ(join.path, "");
  }
  v1::plain::BootstrapRequest other =
      Paths({{v1::NAMESPACE_NET, "/proc/" + self + "/ns/net"},
             {v1::NAMESPACE_UTS, "/etc/hostname"}});
  const v1::plain::BootstrapRequest before = other;
  EXPECT_FALSE(JoinProcPathsByPid(&other));
  EXPECT_TRUE(other == before);
}

// Runs `check` as pid 1 of a new pid namespace, with a /proc of its own
// when `own_proc` (in a private mount namespace), else the parent's; the
// exit status of the forked helper: 0 when `check` held. In a child of the
// test: LeakSanitizer cannot stop the world of a process whose children go
// into another pid namespace.
int RunAsInitOfANewPidNamespace(bool own_proc, bool (*check)()) {
  const pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    if (unshare(CLONE_NEWPID | (own_proc ? CLONE_NEWNS : 0)) != 0) _exit(2);
    const pid_t init = fork();
    if (init < 0) _exit(2);
    if (init == 0) {
      if (own_proc &&
          (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
           mount("proc", "/proc", "proc", 0, nullptr) != 0)) {
        _exit(2);
      }
      _exit(getpid() == 1 && check() ? 0 : 1);
    }
    int status = 0;
    if (waitpid(init, &status, 0) != init) _exit(2);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// For /proc/1 (pidfd_open(1) is this process, pid 1 of its namespace):
// whether ProcNamesSameProcess holds, and whether the paths were rewritten.
struct ProcOne {
  bool same;
  bool rewritten;
};
ProcOne CheckProcOne() {
  v1::plain::BootstrapRequest request =
      Paths({{v1::NAMESPACE_NET, "/proc/1/ns/net"},
             {v1::NAMESPACE_UTS, "/proc/1/ns/uts"}});
  const bool same = ProcNamesSameProcess(1);
  return {same, JoinProcPathsByPid(&request)};
}

// In a new pid namespace whose /proc is still the parent namespace's, the
// numbers in /proc paths are not the ones pidfd_open would resolve: no
// rewrite. (Here "/proc/1" is the machine's init, pidfd_open(1) ourselves.)
TEST(JoinProcPathsByPidTest, ForeignProcIsNotOurs) {
  if (geteuid() != 0) GTEST_SKIP() << "a new pid namespace needs root";
  EXPECT_EQ(RunAsInitOfANewPidNamespace(false,
                                        [] {
                                          const ProcOne p = CheckProcOne();
                                          return !p.same && !p.rewritten;
                                        }),
            0);
}

// In a new pid namespace with its own /proc (the fdinfo check, not the
// initial namespace's shortcut): its numbers are pidfd_open's.
TEST(JoinProcPathsByPidTest, OwnProcInANestedPidNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "a new pid namespace needs root";
  EXPECT_EQ(RunAsInitOfANewPidNamespace(true,
                                        [] {
                                          const ProcOne p = CheckProcOne();
                                          return p.same && p.rewritten;
                                        }),
            0);
}

}  // namespace
}  // namespace executor
}  // namespace nsboot
