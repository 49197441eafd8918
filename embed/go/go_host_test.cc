// The Go host for real: a Go program importing nsboot's nsenter package
// (runc's drop-in, built by go_host_test.sh with embed/go/install.sh) is
// spawned with an init pipe; its main() must run inside the requested
// namespaces with the requested ids, with the Go runtime whole. The binary is
// $NSBOOT_GO_HOST. Needs root.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

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
using testing_harness::RunNative;
using testing_harness::Spawn;
using testing_harness::WaitExit;

class GoHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* host = getenv("NSBOOT_GO_HOST");
    if (host == nullptr || *host == '\0') {
      GTEST_SKIP() << "NSBOOT_GO_HOST unset (go_host_test.sh builds it)";
    }
    host_ = host;
    if (geteuid() != 0) GTEST_SKIP() << "needs root: namespaces and id maps";
  }
  std::string host_;
};

TEST_F(GoHostTest, InertWithoutAnInitPipe) {
  Host host = Spawn(host_, "");
  auto report = ParseReport(ReadAll(host.out));
  EXPECT_EQ(WaitExit(host.pid), 0);
  EXPECT_EQ(report["hook"], "0");
  EXPECT_EQ(report["ns.net"], OwnNs("net"));
  EXPECT_EQ(report["exe"], host_);
  EXPECT_THAT(report["nsboot"], StartsWith("nsboot "));
  close(host.sock);
  close(host.out);
}

v1::BootstrapRequest WithUserNamespace(v1::BootstrapRequest request) {
  request.add_create_namespaces(v1::NAMESPACE_USER);
  auto* uid = request.add_uid_mappings();
  uid->set_container_id(0);
  uid->set_host_id(100000);
  uid->set_size(65536);
  *request.add_gid_mappings() = *uid;
  request.set_setgroups(v1::SETGROUPS_DENY);
  return request;
}

TEST_F(GoHostTest, NativeParentMainRunsInsideNewNamespaces) {
  v1::BootstrapRequest request = WithUserNamespace(CreateAllButUser());
  request.set_oom_score_adj(77);
  NativeRun run = RunNative(host_, request);
  ASSERT_FALSE(run.replies.empty());
  ASSERT_TRUE(run.replies.back().has_pids()) << run.replies.back().DebugString();
  EXPECT_EQ(run.host_exit, 0) << run.stdout_text;
  const auto& r = run.report;
  EXPECT_EQ(r.at("hook"), "1");
  EXPECT_EQ(r.at("pid"), "1");  // first process of the new pid namespace
  for (const char* ns : {"mnt", "uts", "ipc", "pid", "net", "cgroup", "user"}) {
    EXPECT_NE(r.at(absl::StrCat("ns.", ns)), OwnNs(ns)) << ns;
  }
  EXPECT_EQ(r.at("uid"), "0");
  EXPECT_EQ(r.at("gid"), "0");
  EXPECT_THAT(r.at("file/uid_map"), HasSubstr("100000"));
  EXPECT_THAT(r.at("file/gid_map"), HasSubstr("65536"));
  EXPECT_EQ(r.at("file/setgroups"), "deny;");
  EXPECT_EQ(r.at("file/oom_score_adj"), "77;");
  // The Go runtime started after the hook, in the final process.
  EXPECT_EQ(r.at("go_init_pid"), "1");
  EXPECT_EQ(r.at("goroutine_pid"), "1");
  EXPECT_EQ(r.at("fds"), "0,1,2,3,");
}

// runc 1.1's contract, with the dialect the package itself declares (no
// NSBOOT_RUNC_DIALECT): the "\0" byte proves the package's
// `const int nsboot_runc_dialect = 11` overrode libnsboot's weak 12.
TEST_F(GoHostTest, RuncParentWithThePackagesDialect) {
  v1::BootstrapRequest request = WithUserNamespace(CreateAllButUser());
  request.set_rootless_euid(false);
  request.set_setgroups(v1::SETGROUPS_UNSPECIFIED);
  auto bytes = codec::EncodeNetlink(request, codec::RuncDialect::kRunc11);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  Host host = Spawn(host_, "_LIBCONTAINER_INITPIPE");
  ASSERT_EQ(write(host.sock, bytes->data(), bytes->size()),
            static_cast<ssize_t>(bytes->size()));
  char nul = 'x';
  ASSERT_EQ(read(host.sock, &nul, 1), 1);
  EXPECT_EQ(nul, '\0');
  std::string line = ReadLine(host.sock);
  int stage1 = 0, stage2 = 0;
  ASSERT_EQ(sscanf(line.c_str(), "{\"stage1_pid\":%d,\"stage2_pid\":%d}",
                   &stage1, &stage2),
            2)
      << line;
  std::string out = ReadAll(host.out);
  auto r = ParseReport(out);
  EXPECT_EQ(WaitExit(host.pid), 0);
  EXPECT_EQ(WaitExit(stage1), 0);
  EXPECT_EQ(WaitExit(stage2), 0);
  EXPECT_EQ(r["hook"], "1") << out;
  EXPECT_EQ(r["pid"], "1");
  EXPECT_EQ(r["go_init_pid"], "1");
  EXPECT_EQ(r["uid"], "0");
  EXPECT_NE(r["ns.user"], OwnNs("user"));
  EXPECT_NE(r["ns.net"], OwnNs("net"));
  EXPECT_THAT(r["file/uid_map"], HasSubstr("100000"));
  // runc's stage 2 starts a new session.
  EXPECT_EQ(r["sid"], "1");
  // runc 1.1 relies on nsexec for CVE-2019-5736: a sealed copy.
  EXPECT_NE(r["exe_writable"], "yes");
  EXPECT_THAT(r["exe"], Not(HasSubstr(host_)));
  const char* seal = getenv("NSBOOT_GO_HOST_SEAL");
  if (seal != nullptr && std::string(seal) == "bind") {
    // -tags nsboot_seal_bind: a mount whose root is the binary itself.
    EXPECT_EQ(r["exe"], "/");
  } else {
    EXPECT_NE(r["exe"], "/");  // the default overlayfs (or memfd)
  }
  close(host.sock);
  close(host.out);
}

}  // namespace
}  // namespace nsboot
