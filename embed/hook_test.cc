// End-to-end tests of the pre-main hook, for real: each test spawns a host
// program (C++ with the constructor, or C calling nsboot_premain itself) with
// an init pipe, plays the parent (native frames or runc's netlink), and
// checks what the host's main() saw. Needs root (namespaces, id maps).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codec/netlink.h"
#include "embed/testing/harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using testing_harness::CreateAllButUser;
using testing_harness::Host;
using testing_harness::NativeRun;
using testing_harness::OwnNs;
using testing_harness::ParseReport;
using testing_harness::ReadAll;
using testing_harness::ReadLine;
using testing_harness::ReadReply;
using testing_harness::RunNative;
using testing_harness::Spawn;
using testing_harness::WaitExit;

class HookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: namespaces and id maps";
  }

  // main() of a final process, whether it shared stage 0's memory or is a
  // fork, has glibc's thread record as its own (embed/testing/report.h).
  static void ExpectOwnThreadRecord(const std::map<std::string, std::string>& r) {
    EXPECT_EQ(r.at("tcb_tid"), "own");
    EXPECT_EQ(r.at("robust_list"), "registered");
    EXPECT_EQ(r.at("rseq"), "registered");
  }
};

TEST_F(HookTest, InertWithoutAnInitPipe) {
  Host host = Spawn("embed/cxx_host", "");
  auto report = ParseReport(ReadAll(host.out));
  EXPECT_EQ(WaitExit(host.pid), 0);
  EXPECT_EQ(report["hook"], "0");
  EXPECT_EQ(report["iostream"], "ok");
  EXPECT_EQ(report["ns.net"], OwnNs("net"));
  close(host.sock);
  close(host.out);
}

TEST_F(HookTest, CxxHostMainRunsInsideNewNamespaces) {
  v1::BootstrapRequest request = CreateAllButUser();
  request.set_oom_score_adj(123);
  NativeRun run = RunNative("embed/cxx_host", request);
  ASSERT_FALSE(run.replies.empty());
  EXPECT_TRUE(run.replies.front().has_ready());
  ASSERT_TRUE(run.replies.back().has_pids()) << run.replies.back().DebugString();
  EXPECT_EQ(run.host_exit, 0);
  const auto& r = run.report;
  EXPECT_EQ(r.at("hook"), "1");
  // Stage 2 is the first process of the new PID namespace.
  EXPECT_EQ(r.at("pid"), "1");
  for (const char* ns : {"mnt", "uts", "ipc", "pid", "net", "cgroup"}) {
    EXPECT_NE(r.at(absl::StrCat("ns.", ns)), OwnNs(ns)) << ns;
  }
  EXPECT_EQ(r.at("ns.user"), OwnNs("user"));
  EXPECT_EQ(r.at("file/oom_score_adj"), "123;");
  // The host's own static state: built after the hook, in this process.
  EXPECT_EQ(r.at("iostream"), "ok");
  EXPECT_EQ(r.at("global_text"), "hello from a global");
  EXPECT_EQ(r.at("global_words"), "static-state-intact");
  EXPECT_EQ(r.at("global_built_in_this_process"), "yes");
  EXPECT_EQ(r.at("global_pid_ns"), r.at("ns.pid"));
  // Nothing leaked in but stdio and the init pipe.
  EXPECT_EQ(r.at("fds"), "0,1,2,3,");
  ExpectOwnThreadRecord(r);
}

TEST_F(HookTest, CHostWithUserNamespaceAndMaps) {
  v1::BootstrapRequest request;
  request.add_create_namespaces(v1::NAMESPACE_USER);
  request.add_create_namespaces(v1::NAMESPACE_UTS);
  auto* uid = request.add_uid_mappings();
  uid->set_container_id(0);
  uid->set_host_id(100000);
  uid->set_size(65536);
  *request.add_gid_mappings() = *uid;
  request.set_setgroups(v1::SETGROUPS_DENY);
  NativeRun run = RunNative("embed/c_host", request);
  ASSERT_FALSE(run.replies.empty());
  ASSERT_TRUE(run.replies.back().has_pids()) << run.replies.back().DebugString();
  const auto& r = run.report;
  EXPECT_EQ(r.at("hook"), "1");
  EXPECT_EQ(r.at("c_global"), "42");
  EXPECT_EQ(r.at("uid"), "0");
  EXPECT_EQ(r.at("gid"), "0");
  EXPECT_NE(r.at("ns.user"), OwnNs("user"));
  EXPECT_THAT(r.at("file/uid_map"), HasSubstr("100000"));
  EXPECT_THAT(r.at("file/gid_map"), HasSubstr("65536"));
  EXPECT_EQ(r.at("file/setgroups"), "deny;");
  ExpectOwnThreadRecord(r);
}

TEST_F(HookTest, PidfdsArriveWithThePids) {
  v1::BootstrapRequest request = CreateAllButUser();
  request.mutable_options()->set_reply_pidfds(true);
  NativeRun run = RunNative("embed/cxx_host", request);
  ASSERT_TRUE(run.replies.back().has_pids());
  EXPECT_TRUE(run.replies.back().pids().pidfds_attached());
  // Native, no time namespace: two processes, so no stage 1 and one pidfd.
  EXPECT_EQ(run.replies.back().pids().stage1_pid(), 0);
  EXPECT_EQ(run.fds.size(), 1u);
}

TEST_F(HookTest, MalformedRequestIsAStructuredErrorAndMainNeverRuns) {
  Host host = Spawn("embed/cxx_host", "NSBOOT_INITPIPE");
  // A frame whose payload claims a field 3 of 100 bytes with 2 present.
  const std::string bad("NSBT\x01\x01\x00\x00\x04\x00\x00\x00\x1a\x64\x08\x01",
                        16);
  ASSERT_EQ(write(host.sock, bad.data(), bad.size()), 16);
  v1::BootstrapReply reply;
  std::vector<int> fds;
  ASSERT_TRUE(ReadReply(host.sock, &reply, &fds));
  ASSERT_TRUE(reply.has_error()) << reply.DebugString();
  EXPECT_EQ(reply.error().stage(), v1::STAGE_READER);
  EXPECT_EQ(reply.error().step(), v1::STEP_DECODE);
  EXPECT_TRUE(reply.error().has_byte_offset());
  EXPECT_THAT(reply.error().message(), HasSubstr("malformed"));
  EXPECT_EQ(ReadAll(host.out), "");  // main() never ran
  EXPECT_EQ(WaitExit(host.pid), 1);
  close(host.sock);
  close(host.out);
}

TEST_F(HookTest, ParentClosingEarlyEndsTheHost) {
  Host host = Spawn("embed/cxx_host", "NSBOOT_INITPIPE");
  ASSERT_EQ(write(host.sock, "NSBT\x01", 5), 5);
  shutdown(host.sock, SHUT_WR);
  v1::BootstrapReply reply;
  std::vector<int> fds;
  ASSERT_TRUE(ReadReply(host.sock, &reply, &fds));
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().step(), v1::STEP_READ_REQUEST);
  EXPECT_EQ(ReadAll(host.out), "");
  EXPECT_EQ(WaitExit(host.pid), 1);
  close(host.sock);
  close(host.out);
}

TEST_F(HookTest, ExecutorFailureReachesTheParent) {
  v1::BootstrapRequest request;
  auto* join = request.add_join_namespaces();
  join->set_type(v1::NAMESPACE_NET);
  join->set_path("/nonexistent/ns/net");
  NativeRun run = RunNative("embed/cxx_host", request);
  ASSERT_FALSE(run.replies.empty());
  ASSERT_TRUE(run.replies.back().has_error());
  const v1::Error& error = run.replies.back().error();
  EXPECT_EQ(error.errno_value(), ENOENT);
  EXPECT_THAT(error.message(), HasSubstr("/nonexistent/ns/net"));
  EXPECT_EQ(run.stdout_text, "");
  EXPECT_EQ(run.host_exit, 1);
}

TEST_F(HookTest, SealRequestedRunsFromASealedCopy) {
  v1::BootstrapRequest request = CreateAllButUser();
  request.mutable_options()->set_seal_exe(true);
  NativeRun run = RunNative("embed/cxx_host", request, {"NSBOOT_SEAL_EXE=1"});
  ASSERT_TRUE(run.replies.back().has_pids()) << run.replies.back().DebugString();
  const auto& r = run.report;
  EXPECT_NE(r.at("exe_writable"), "yes");
  EXPECT_THAT(r.at("exe"), Not(HasSubstr("embed/cxx_host")));
}

TEST_F(HookTest, SealAssertedButNotDoneIsRefused) {
  v1::BootstrapRequest request = CreateAllButUser();
  request.mutable_options()->set_seal_exe(true);
  NativeRun run = RunNative("embed/cxx_host", request);
  ASSERT_TRUE(run.replies.back().has_error());
  EXPECT_EQ(run.replies.back().error().step(), v1::STEP_SEAL_EXE);
}

// The /proc/N/ns/* paths of one process (runc exec's form) are joined by
// pid, in one setns (the debug log says so), into the same namespaces.
TEST_F(HookTest, ProcPathsOfOneProcessAreJoinedByPid) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t target = fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    if (unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) _exit(1);
    if (write(ready[1], "x", 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  const std::string proc = absl::StrCat("/proc/", target, "/ns/");
  v1::BootstrapRequest request;
  request.mutable_options()->set_log_level(v1::LOG_LEVEL_DEBUG);
  for (auto [type, name] : {std::pair{v1::NAMESPACE_NET, "net"},
                            std::pair{v1::NAMESPACE_UTS, "uts"}}) {
    auto* join = request.add_join_namespaces();
    join->set_type(type);
    join->set_path(proc + name);
  }
  char target_net[64] = {0};
  ASSERT_GT(readlink((proc + "net").c_str(), target_net, sizeof(target_net) - 1),
            0);
  NativeRun run = RunNative("embed/cxx_host", request);
  ASSERT_TRUE(run.replies.back().has_pids()) << run.replies.back().DebugString();
  EXPECT_EQ(run.report.at("ns.net"),
            std::string(target_net).substr(5, strlen(target_net) - 6));
  EXPECT_NE(run.report.at("ns.uts"), OwnNs("uts"));
  std::string logs;
  for (const v1::BootstrapReply& r : run.replies) {
    if (r.has_log()) absl::StrAppend(&logs, r.log().message(), "\n");
  }
  EXPECT_THAT(logs, HasSubstr(absl::StrCat("opened net,uts namespaces of pid ",
                                           target, "\n")));

  // A process that is gone: the paths are kept, and the error names one.
  kill(target, SIGKILL);
  EXPECT_EQ(WaitExit(target), 128 + SIGKILL);
  NativeRun gone = RunNative("embed/cxx_host", request);
  ASSERT_TRUE(gone.replies.back().has_error());
  EXPECT_THAT(gone.replies.back().error().message(),
              HasSubstr(absl::StrCat("/proc/", target, "/ns/net")));
  EXPECT_EQ(gone.host_exit, 1);
}

// runc's contract, both dialects: netlink in, NUL (1.1) + PID JSON out.
TEST_F(HookTest, RuncContractBothDialects) {
  for (const char* dialect : {"11", "12"}) {
    SCOPED_TRACE(dialect);
    v1::BootstrapRequest request = CreateAllButUser();
    request.set_rootless_euid(false);
    auto bytes = codec::EncodeNetlink(
        request, dialect[1] == '1' ? codec::RuncDialect::kRunc11
                                   : codec::RuncDialect::kRunc12);
    ASSERT_TRUE(bytes.ok());
    Host host = Spawn("embed/cxx_host", "_LIBCONTAINER_INITPIPE",
                      {absl::StrCat("NSBOOT_RUNC_DIALECT=", dialect)});
    ASSERT_EQ(write(host.sock, bytes->data(), bytes->size()),
              static_cast<ssize_t>(bytes->size()));
    if (dialect[1] == '1') {
      char nul = 'x';
      ASSERT_EQ(read(host.sock, &nul, 1), 1);
      EXPECT_EQ(nul, '\0');
    }
    std::string line = ReadLine(host.sock);
    EXPECT_THAT(line, StartsWith("{\"stage1_pid\":"));
    int stage1 = 0, stage2 = 0;
    ASSERT_EQ(sscanf(line.c_str(), "{\"stage1_pid\":%d,\"stage2_pid\":%d}",
                     &stage1, &stage2),
              2)
        << line;
    auto report = ParseReport(ReadAll(host.out));
    EXPECT_EQ(WaitExit(host.pid), 0);
    EXPECT_EQ(WaitExit(stage1), 0);
    EXPECT_EQ(WaitExit(stage2), 0);
    EXPECT_EQ(report["hook"], "1");
    EXPECT_EQ(report["pid"], "1");
    EXPECT_NE(report["ns.net"], OwnNs("net"));
    ExpectOwnThreadRecord(report);
    if (dialect[1] == '1') {
      // runc 1.1 relies on nsexec for CVE-2019-5736: a sealed copy.
      EXPECT_NE(report["exe_writable"], "yes");
      EXPECT_THAT(report["exe"], Not(HasSubstr("embed/cxx_host")));
    }
    close(host.sock);
    close(host.out);
  }
}

}  // namespace
}  // namespace nsboot
