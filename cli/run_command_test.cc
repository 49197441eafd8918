// nsboot run, for real (root): commands run inside the namespaces, exit
// statuses pass through, --join enters a running process's namespaces, and
// every failure is one line with a documented status.
#include "cli/run_command.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace cli {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
  // Nothing of the bootstrap is left for the process that ran it to reap.
  bool no_children_left = false;
  // That process, stage 0 during the bootstrap, got its name back and no
  // parent-death signal (it waits for the command as unshare(1) does).
  bool parent_as_before = false;
};

// RunRun in a child, as the nsboot binary runs it: the process that runs
// it becomes stage 0 (it may join namespaces, go non-dumpable) and is spent
// afterwards, so the test process never calls it itself.
Result Nsboot(const std::vector<std::string>& args) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return {-1, "", "pipe2 failed"};
  fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return {-1, "", "fork failed"};
  if (child == 0) {
    close(p[0]);
    std::ostringstream out, err;
    char name_before[17] = {}, name_after[17] = {};
    prctl(PR_GET_NAME, name_before, 0, 0, 0);
    const int code = RunRun(args, CommandIo{0, out, err});
    const bool none = waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
    int pdeathsig = -1;
    prctl(PR_GET_PDEATHSIG, &pdeathsig, 0, 0, 0);
    prctl(PR_GET_NAME, name_after, 0, 0, 0);
    const bool as_before =
        pdeathsig == 0 && strcmp(name_before, name_after) == 0;
    // code, the two flags, then out and err after their lengths.
    std::string bytes = absl::StrCat(code, "\n", none ? 1 : 0, "\n",
                                     as_before ? 1 : 0, "\n",
                                     out.str().size(), "\n", out.str(),
                                     err.str().size(), "\n", err.str());
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t n = write(p[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0) _exit(120);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(p[1]);
  std::string bytes;
  char buf[4096];
  for (ssize_t n; (n = read(p[0], buf, sizeof(buf))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  int status = 0;
  waitpid(child, &status, 0);
  Result r{-1, "", ""};
  std::istringstream in(bytes);
  size_t out_len = 0, err_len = 0;
  int none = 0, as_before = 0;
  if (!(in >> r.code >> none >> as_before >> out_len) || in.get() != '\n') {
    return {-1, "", absl::StrCat("no result from the child (status ", status,
                                 ")")};
  }
  r.out.resize(out_len);
  in.read(&r.out[0], static_cast<std::streamsize>(out_len));
  in >> err_len;
  in.get();
  r.err.resize(err_len);
  in.read(&r.err[0], static_cast<std::streamsize>(err_len));
  r.no_children_left = none == 1;
  r.parent_as_before = as_before == 1;
  return r;
}

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripTrailingAsciiWhitespace(ss.str()));
}

std::string NsLink(const std::string& pid, const char* type) {
  char buf[128];
  std::string path = absl::StrCat("/proc/", pid, "/ns/", type);
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  return n > 0 ? std::string(buf, n) : "?";
}

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: namespaces and id maps";
  }
};

TEST_F(RunCommandTest, DefaultNamespacesAndRootMapping) {
  const std::string file = Tmp("default.out");
  Result r = Nsboot({"--", "/bin/sh", "-c",
                  "{ echo $$; id -u; readlink /proc/self/ns/net; "
                  "readlink /proc/self/ns/user; cat /proc/self/uid_map; } > " +
                      file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.no_children_left);
  EXPECT_TRUE(r.parent_as_before);
  std::istringstream lines(Slurp(file));
  std::string pid, uid, net, user, map;
  lines >> pid >> uid >> net >> user;
  std::getline(lines, map);
  std::getline(lines, map);
  EXPECT_EQ(pid, "1");  // first process of the new PID namespace
  EXPECT_EQ(uid, "0");
  EXPECT_NE(net, NsLink("self", "net"));
  EXPECT_NE(user, NsLink("self", "user"));
  EXPECT_THAT(map, MatchesRegex(" *0 +0 +1"));
}

// unshare(1)'s flags: just the namespaces named, nothing else.
TEST_F(RunCommandTest, NamespaceFlagsCreateJustThose) {
  const std::string file = Tmp("flags.out");
  const std::string report =
      "{ for ns in net uts ipc mnt pid user; do readlink /proc/self/ns/$ns; "
      "done; } > " + file;
  Result r = Nsboot({"-n", "--uts", "--net", "--", "/bin/sh", "-c", report});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(Slurp(file));
  std::string net, uts, ipc, mnt, pid, user;
  lines >> net >> uts >> ipc >> mnt >> pid >> user;
  EXPECT_NE(net, NsLink("self", "net"));
  EXPECT_NE(uts, NsLink("self", "uts"));
  EXPECT_EQ(ipc, NsLink("self", "ipc"));
  EXPECT_EQ(mnt, NsLink("self", "mnt"));
  EXPECT_EQ(pid, NsLink("self", "pid"));
  EXPECT_EQ(user, NsLink("self", "user"));

  // A user namespace maps our ids to root, as the default does.
  const std::string ids = Tmp("flags_user.out");
  Result u = Nsboot({"-U", "-p", "-m", "--", "/bin/sh", "-c",
                     "{ echo $$; id -u; id -g; readlink /proc/self/ns/user; } > " +
                         ids});
  ASSERT_EQ(u.code, 0) << u.err;
  std::istringstream got(Slurp(ids));
  std::string shell_pid, uid, gid, user_ns;
  got >> shell_pid >> uid >> gid >> user_ns;
  EXPECT_EQ(shell_pid, "1");
  EXPECT_EQ(uid, "0");
  EXPECT_EQ(gid, "0");
  EXPECT_NE(user_ns, NsLink("self", "user"));
}

TEST_F(RunCommandTest, ExitStatusPassesThrough) {
  EXPECT_EQ(Nsboot({"--", "/bin/true"}).code, 0);
  EXPECT_EQ(Nsboot({"/bin/sh", "-c", "exit 7"}).code, 7);
  // As pid 1 of a new PID namespace the shell would ignore its own
  // SIGTERM (the kernel protects an init without a handler), so the signal
  // case runs without a PID namespace.
  const std::string uts = Tmp("uts.textproto");
  std::ofstream(uts) << "create_namespaces: NAMESPACE_UTS\n";
  EXPECT_EQ(Nsboot({"--config", uts, "/bin/sh", "-c", "kill -TERM $$"}).code,
            128 + SIGTERM);
  EXPECT_EQ(Nsboot({"/bin/sh", "-c", "kill -TERM $$; exit 3"}).code, 3);
}

TEST_F(RunCommandTest, CommandNotFoundOrNotExecutable) {
  Result missing = Nsboot({"--", "no-such-command-anywhere"});
  EXPECT_EQ(missing.code, kExitNotFound);
  EXPECT_THAT(missing.err, HasSubstr("No such file or directory"));
  EXPECT_EQ(Nsboot({"--", "/etc/passwd"}).code, kExitCannotExec);
  EXPECT_EQ(Nsboot({"--", "/tmp"}).code, kExitCannotExec);
}

TEST_F(RunCommandTest, JsonReportsPidsAndNamespaces) {
  Result r = Nsboot({"--json", "--", "/bin/true"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, MatchesRegex("\\{\"stage1_pid\":[0-9]+,\"stage2_pid\":"
                                  "[0-9]+,\"namespaces\":\\{.*\"net\":[0-9]+"
                                  ".*\\}\\}\n"));
}

TEST_F(RunCommandTest, JoinAllNamespacesOfARunningProcess) {
  // A target in new net and uts namespaces (util-linux unshare, no fork:
  // $$ is the process that stays).
  FILE* target = popen(
      "exec unshare --net --uts /bin/sh -c 'hostname joined-box; echo $$; "
      "exec sleep 30'",
      "r");
  ASSERT_NE(target, nullptr);
  char line[32] = {0};
  ASSERT_NE(fgets(line, sizeof(line), target), nullptr);
  const std::string pid(absl::StripTrailingAsciiWhitespace(line));
  const std::string file = Tmp("join.out");
  Result r = Nsboot({"--join", pid, "--", "/bin/sh", "-c",
                  "{ readlink /proc/self/ns/net; hostname; } > " + file});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.no_children_left);
  EXPECT_TRUE(r.parent_as_before);
  std::istringstream lines(Slurp(file));
  std::string net, host;
  lines >> net >> host;
  EXPECT_EQ(net, NsLink(pid, "net"));
  EXPECT_EQ(host, "joined-box");
  kill(std::stoi(pid), SIGKILL);
  pclose(target);
}

TEST_F(RunCommandTest, JoinErrors) {
  Result gone = Nsboot({"--join", "999999999", "--", "/bin/true"});
  EXPECT_EQ(gone.code, kExitRunFailed);
  EXPECT_THAT(gone.err, HasSubstr("no such process"));
  Result self = Nsboot({"--join", std::to_string(getpid()), "--", "/bin/true"});
  EXPECT_EQ(self.code, kExitRunFailed);
  EXPECT_THAT(self.err, HasSubstr("all of our namespaces already"));
}

TEST_F(RunCommandTest, ConfigFileAndItsErrors) {
  EXPECT_EQ(Nsboot({"--config", "examples/requests/default.textproto", "--",
                 "/bin/true"})
                .code,
            0);
  const std::string bad = Tmp("bad.textproto");
  std::ofstream(bad) << "create_namespaces: NAMESPACE_NOPE\n";
  Result r = Nsboot({"--config", bad, "--", "/bin/true"});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_EQ(Nsboot({"--config", "/nonexistent.textproto", "--", "/bin/true"}).code,
            kExitNoInput);
  // A join of a missing path: the executor's structured error, one line.
  const std::string missing = Tmp("missing.textproto");
  std::ofstream(missing)
      << "join_namespaces { type: NAMESPACE_NET path: \"/nonexistent/net\" }\n";
  Result failed = Nsboot({"--config", missing, "--", "/bin/true"});
  EXPECT_EQ(failed.code, kExitRunFailed);
  EXPECT_THAT(failed.err, StartsWith("nsboot run: STAGE_"));
  EXPECT_THAT(failed.err, HasSubstr("/nonexistent/net"));
  EXPECT_EQ(failed.err.find('\n'), failed.err.size() - 1);
  // Every stage of the failed bootstrap was reaped: no child is left.
  EXPECT_TRUE(failed.no_children_left);
  EXPECT_TRUE(failed.parent_as_before);
}

TEST_F(RunCommandTest, UsageErrors) {
  EXPECT_EQ(Nsboot({}).code, kExitUsage);
  EXPECT_EQ(Nsboot({"--bogus", "true"}).code, kExitUsage);
  EXPECT_EQ(Nsboot({"--join", "abc", "true"}).code, kExitUsage);
  Result both = Nsboot({"--config", "examples/requests/default.textproto",
                        "--net", "--", "/bin/true"});
  EXPECT_EQ(both.code, kExitUsage);
  EXPECT_THAT(both.err, HasSubstr("do not mix"));
  EXPECT_THAT(Nsboot({"--help"}).out, StartsWith("usage: nsboot run"));
}

}  // namespace
}  // namespace cli
}  // namespace nsboot
