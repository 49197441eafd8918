#include "executor/namespace_ids.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "executor/plan.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {
namespace {

using Ids = std::vector<v1::plain::NamespaceId>;

// A child that waits on a pipe until the test is done with it, cloned
// into `flags` and then unsharing `unshare_flags` (which change only its
// pid_for_children and time_for_children when they are CLONE_NEWPID and
// CLONE_NEWTIME).
class Child {
 public:
  explicit Child(uint64_t flags, int unshare_flags = 0) {
    int p[2], ready[2];
    if (pipe2(p, O_CLOEXEC) != 0) return;
    if (pipe2(ready, O_CLOEXEC) != 0) return;
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_PIDFD | flags;
    args.pidfd = reinterpret_cast<uintptr_t>(&pidfd_);
    args.exit_signal = SIGCHLD;
    pid_ = static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof(args)));
    if (pid_ == 0) {
      close(p[1]);
      close(ready[0]);
      if (unshare_flags != 0 && unshare(unshare_flags) != 0) _exit(1);
      // A new pid namespace shows as pid_for_children once it has its init.
      if ((unshare_flags & CLONE_NEWPID) != 0 && fork() == 0) {
        char c;
        (void)!read(p[0], &c, 1);
        _exit(0);
      }
      (void)!write(ready[1], "", 1);
      char c;
      (void)!read(p[0], &c, 1);
      _exit(0);
    }
    close(p[0]);
    close(ready[1]);
    char c;
    if (pid_ > 0 && read(ready[0], &c, 1) != 1) {
      waitpid(pid_, nullptr, 0);  // it failed before it was ready
      pid_ = -1;
    }
    close(ready[0]);
    release_ = p[1];
  }
  ~Child() { Reap(); }
  void Reap() {
    if (release_ >= 0) close(release_);
    release_ = -1;
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    pid_ = -1;
    if (pidfd_ >= 0) close(pidfd_);
    pidfd_ = -1;
  }
  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_; }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int release_ = -1;
};

// What stat(2) says of /proc/<pid>/ns/<name>, for every type there is.
Ids Expected(pid_t pid) {
  Ids ids;
  for (int t = v1::NAMESPACE_MOUNT; t <= v1::NAMESPACE_TIME; ++t) {
    const auto type = static_cast<v1::Namespace>(t);
    const std::string path = "/proc/" + std::to_string(pid) + "/ns/" +
                             NamespaceName(type);
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    v1::plain::NamespaceId id;
    id.type = type;
    id.inode = st.st_ino;
    id.device = st.st_dev;
    ids.push_back(id);
  }
  return ids;
}

std::string Format(const Ids& ids) {
  std::string out;
  for (const v1::plain::NamespaceId& id : ids) {
    out += std::string(NamespaceName(id.type)) + ":" +
           std::to_string(id.device) + ":" + std::to_string(id.inode) + " ";
  }
  return out;
}

// Whether the kernel has PIDFD_GET_*_NAMESPACE (Linux 6.11).
bool KernelHasNamespaceIoctls() {
  struct utsname u;
  int major = 0, minor = 0;
  if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) {
    return false;
  }
  return major > 6 || (major == 6 && minor >= 11);
}

uint64_t NewNamespaces() {
  return geteuid() == 0 ? CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                              CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWCGROUP
                        : 0;
}

TEST(ReadNamespaceIdsTest, PidfdAndProcAgreeWithStat) {
  if (geteuid() != 0) {
    fprintf(stderr, "not root: the child shares the test's namespaces\n");
  }
  // As root, the child's pid_for_children and time_for_children differ from
  // its pid and time namespaces, which are the ones reported: a pidfd ioctl
  // for the *_FOR_CHILDREN ones would not match /proc/<pid>/ns/pid, /time.
  Child child(NewNamespaces(),
              geteuid() == 0 ? CLONE_NEWPID | CLONE_NEWTIME : 0);
  ASSERT_GT(child.pid(), 0);
  const Ids expected = Expected(child.pid());
  ASSERT_EQ(expected.size(), 8u) << Format(expected);
  if (geteuid() == 0) {
    struct stat pid_ns, pid_for_children;
    const std::string ns = "/proc/" + std::to_string(child.pid()) + "/ns/";
    ASSERT_EQ(stat((ns + "pid").c_str(), &pid_ns), 0);
    ASSERT_EQ(stat((ns + "pid_for_children").c_str(), &pid_for_children), 0)
        << "no pid_for_children";
    ASSERT_NE(pid_ns.st_ino, pid_for_children.st_ino);
  }

  Ids from_pidfd;
  const NamespaceIdsRead a =
      ReadNamespaceIds(child.pid(), child.pidfd(), -1,
                       NamespaceIdSource::kPidfd, &from_pidfd);
  EXPECT_EQ(Format(from_pidfd), Format(expected));
  if (KernelHasNamespaceIoctls()) {
    EXPECT_EQ(a.from_pidfd, 8);
    EXPECT_EQ(a.from_proc, 0);
  } else {
    fprintf(stderr, "kernel before 6.11: the ids came from /proc\n");
    EXPECT_EQ(a.from_proc, 8);
  }

  Ids from_proc;
  const NamespaceIdsRead b =
      ReadNamespaceIds(child.pid(), child.pidfd(), -1,
                       NamespaceIdSource::kProc, &from_proc);
  EXPECT_EQ(Format(from_proc), Format(expected));
  EXPECT_EQ(b.from_pidfd, 0);
  EXPECT_EQ(b.from_proc, 8);
}

TEST(ReadNamespaceIdsTest, NewNamespacesAreNotTheCallers) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create namespaces";
  Child child(NewNamespaces());
  ASSERT_GT(child.pid(), 0);
  Ids ids;
  ReadNamespaceIds(child.pid(), child.pidfd(), -1, NamespaceIdSource::kPidfd,
                   &ids);
  const Ids mine = Expected(getpid());
  ASSERT_EQ(ids.size(), mine.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const v1::Namespace t = ids[i].type;
    const bool created = t != v1::NAMESPACE_USER && t != v1::NAMESPACE_TIME;
    EXPECT_EQ(ids[i].inode != mine[i].inode, created) << NamespaceName(t);
  }
}

TEST(ReadNamespaceIdsTest, NotAPidfdFallsBackToProc) {
  // An fd the ioctls do not apply to answers ENOTTY, as a kernel without
  // them does: every type then comes from /proc.
  Child child(NewNamespaces());
  ASSERT_GT(child.pid(), 0);
  const int not_pidfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(not_pidfd, 0);
  Ids ids;
  const NamespaceIdsRead read = ReadNamespaceIds(
      child.pid(), not_pidfd, -1, NamespaceIdSource::kPidfd, &ids);
  close(not_pidfd);
  EXPECT_EQ(read.from_pidfd, 0);
  EXPECT_EQ(read.from_proc, 8);
  EXPECT_EQ(Format(ids), Format(Expected(child.pid())));
}

TEST(ReadNamespaceIdsTest, NoPidfdReadsProcRelativeToAProcFd) {
  Child child(NewNamespaces());
  ASSERT_GT(child.pid(), 0);
  const int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(proc, 0);
  Ids ids;
  const NamespaceIdsRead read = ReadNamespaceIds(
      child.pid(), -1, proc, NamespaceIdSource::kPidfd, &ids);
  close(proc);
  EXPECT_EQ(read.from_proc, 8);
  EXPECT_EQ(Format(ids), Format(Expected(child.pid())));
}

TEST(ReadNamespaceIdsTest, AProcessThatIsGoneGivesNoIds) {
  Child child(0);
  ASSERT_GT(child.pid(), 0);
  const pid_t pid = child.pid();
  const int pidfd = dup(child.pidfd());
  child.Reap();
  Ids ids;
  const NamespaceIdsRead read =
      ReadNamespaceIds(pid, pidfd, -1, NamespaceIdSource::kPidfd, &ids);
  close(pidfd);
  EXPECT_EQ(read.from_pidfd, 0);
  EXPECT_TRUE(ids.empty()) << Format(ids);
}

}  // namespace
}  // namespace executor
}  // namespace nsboot
