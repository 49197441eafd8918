// Runs the probe (a program that re-executes itself from a sealed copy) and
// checks what its final process sees: /proc/self/exe is not the host file
// and cannot be opened for writing. Overlayfs and bind clones need root;
// memfd does not.
#include "embed/sealed_exe.h"

#include <stdio.h>
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace embed {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string RunProbe(const std::string& mode) {
  std::string cmd = "embed/sealed_exe_probe " + mode + " embed/sealed_exe_probe";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  EXPECT_EQ(pclose(p), 0) << out;
  return out;
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
