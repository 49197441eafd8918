// Runs the probe (a program that re-executes itself from a sealed copy) and
// checks what its final process sees: /proc/self/exe is not the host file
// and cannot be opened for writing. Overlayfs and bind clones need root;
// memfd does not.
#include "embed/sealed_exe.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace embed {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runs `command` (the probe, as some binary) with `args` and returns its
// output; `status` gets its exit status, which must be 0 without it.
std::string RunProbeAs(const std::string& command, const std::string& args,
                       int* status) {
  std::string cmd = command + " " + args;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  int st = pclose(p);
  if (status != nullptr) {
    *status = st;
  } else {
    EXPECT_EQ(st, 0) << out;
  }
  return out;
}

std::string RunProbe(const std::string& mode) {
  return RunProbeAs("embed/sealed_exe_probe", mode + " embed/sealed_exe_probe",
                    nullptr);
}

TEST(SealedExeTest, TestBinaryItselfIsNotSealed) {
  EXPECT_EQ(RunningFromSealedExe(), SealMethod::kNone);
}

TEST(SealedExeTest, MemfdCopy) {
  std::string out = RunProbe("memfd");
  EXPECT_THAT(out, HasSubstr("method=memfd\n"));
  EXPECT_THAT(out, HasSubstr("same_as_host=no\n"));
  EXPECT_THAT(out, Not(HasSubstr("open_for_write=ok")));
  EXPECT_THAT(out, HasSubstr("exe_link=/memfd:nsboot:sealed-exe"));
}

TEST(SealedExeTest, OverlayfsCopy) {
  if (geteuid() != 0) GTEST_SKIP() << "overlayfs sealing needs CAP_SYS_ADMIN";
  std::string out = RunProbe("overlayfs");
  EXPECT_THAT(out, HasSubstr("method=overlayfs\n"));
  EXPECT_THAT(out, HasSubstr("open_for_write=Read-only file system\n"));
  EXPECT_THAT(out, HasSubstr("same_as_host=no\n"));
}

int MountCount() {
  FILE* f = fopen("/proc/self/mountinfo", "r");
  int lines = 0;
  char buf[4096];
  while (f != nullptr && fgets(buf, sizeof(buf), f) != nullptr) ++lines;
  if (f != nullptr) fclose(f);
  return lines;
}

TEST(SealedExeTest, BindClone) {
  if (geteuid() != 0) GTEST_SKIP() << "a bind clone needs CAP_SYS_ADMIN";
  const int mounts = MountCount();
  std::string out = RunProbe("bind");
  // The host binary's own inode, on a read-only mount attached nowhere.
  // While it runs, the kernel refuses writes with ETXTBSY before it looks at
  // the mount; once it has exited, the read-only mount refuses them.
  EXPECT_THAT(out, HasSubstr("method=read-only mount\n"));
  EXPECT_THAT(out, Not(HasSubstr("open_for_write=ok")));
  EXPECT_THAT(out, HasSubstr("same_as_host=yes\n"));
  // The mount's root is the file itself.
  EXPECT_THAT(out, HasSubstr("exe_link=/\n"));
  EXPECT_EQ(MountCount(), mounts);
}

// In place: the same process goes on from the copy, its memory intact, and
// nothing maps the host binary any more (the kernel checks that before it
// repoints /proc/self/exe).
constexpr char kStateIntact[] = "state=read-only data/42/7\n";

TEST(SealedExeTest, InPlaceOverlayfs) {
  if (geteuid() != 0) GTEST_SKIP() << "overlayfs sealing needs CAP_SYS_ADMIN";
  const int mounts = MountCount();
  std::string out = RunProbe("inplace-overlayfs");
  EXPECT_THAT(out, HasSubstr(kStateIntact));
  EXPECT_THAT(out, HasSubstr("host_still_mapped=no\n"));
  EXPECT_THAT(out, HasSubstr("method=overlayfs\n"));
  EXPECT_THAT(out, HasSubstr("open_for_write=Read-only file system\n"));
  EXPECT_THAT(out, HasSubstr("same_as_host=no\n"));
  EXPECT_EQ(MountCount(), mounts);
}

TEST(SealedExeTest, InPlaceBindClone) {
  if (geteuid() != 0) GTEST_SKIP() << "a bind clone needs CAP_SYS_ADMIN";
  const int mounts = MountCount();
  std::string out = RunProbe("inplace-bind");
  EXPECT_THAT(out, HasSubstr(kStateIntact));
  EXPECT_THAT(out, HasSubstr("host_still_mapped=no\n"));
  EXPECT_THAT(out, HasSubstr("method=read-only mount\n"));
  EXPECT_THAT(out, Not(HasSubstr("open_for_write=ok")));
  EXPECT_THAT(out, HasSubstr("exe_link=/\n"));
  EXPECT_EQ(MountCount(), mounts);
}

TEST(SealedExeTest, InPlaceMemfd) {
  if (geteuid() != 0) GTEST_SKIP() << "PR_SET_MM_MAP needs CAP_SYS_ADMIN";
  std::string out = RunProbe("inplace-memfd");
  EXPECT_THAT(out, HasSubstr(kStateIntact));
  EXPECT_THAT(out, HasSubstr("host_still_mapped=no\n"));
  EXPECT_THAT(out, HasSubstr("method=memfd\n"));
  EXPECT_THAT(out, HasSubstr("exe_link=/memfd:nsboot:sealed-exe"));
}

// Without the privilege, nothing changes and the caller learns EPERM (the
// hook then re-executes).
TEST(SealedExeTest, InPlaceUnprivilegedIsRefusedUntouched) {
  if (geteuid() != 0) GTEST_SKIP() << "the probe drops from root to nobody";
  int status = 0;
  std::string out =
      RunProbeAs("embed/sealed_exe_probe",
                 "inplace-memfd embed/sealed_exe_probe unprivileged", &status);
  EXPECT_EQ(status, 1 << 8) << out;
  EXPECT_THAT(out, HasSubstr("inplace_error=Operation not permitted\n"));
}

// An overlayfs is built from the binary's directory, which may show another
// file by now (here a copy mounted over the directory): its bytes must not
// be mapped over the running ones.
TEST(SealedExeTest, InPlaceRefusesAReplacedBinary) {
  if (geteuid() != 0) GTEST_SKIP() << "overlayfs sealing needs CAP_SYS_ADMIN";
  const char* tmp = getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  std::string dir = std::string(tmp) + "/replaced";
  std::string binary = dir + "/probe";
  ASSERT_EQ(system(("mkdir -p " + dir + " && cp embed/sealed_exe_probe " +
                    binary).c_str()),
            0);
  int status = 0;
  std::string out = RunProbeAs(
      binary, "inplace-overlayfs " + binary + " replace-binary", &status);
  EXPECT_EQ(status, 1 << 8) << out;
  EXPECT_THAT(out, HasSubstr("inplace_error=Stale file handle\n"));
}

// Started through the dynamic loader, /proc/self/exe is ld.so, not the
// program whose segments are in memory: refused, the process untouched.
TEST(SealedExeTest, InPlaceRefusesAProgramStartedByTheLoader) {
  if (geteuid() != 0) GTEST_SKIP() << "a bind clone needs CAP_SYS_ADMIN";
  int status = 0;
  std::string out = RunProbeAs("/lib64/ld-linux-x86-64.so.2 embed/sealed_exe_probe",
                               "inplace-bind embed/sealed_exe_probe", &status);
  EXPECT_EQ(status, 1 << 8) << out;
  EXPECT_THAT(out, HasSubstr("inplace_error=Exec format error\n"));
}

TEST(SealedExeTest, MemfdSealsRefuseWrites) {
  int fd = OpenSealedCopy(SealMethod::kMemfd);
  ASSERT_GE(fd, 0) << -fd;
  EXPECT_EQ(write(fd, "x", 1), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(ftruncate(fd, 0), 0);
  close(fd);
}

}  // namespace
}  // namespace embed
}  // namespace nsboot
