#include "executor/sync.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "executor/sys.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace executor {
namespace {

TEST(TextTest, FormatsWithoutAllocating) {
  sys::Text t;
  t.Add("pid ").AddInt(-1234).Add(" ").AddInt(0).Add(": ").AddErrno(EPERM);
  EXPECT_STREQ(t.data(), "pid -1234 0: Operation not permitted");
  sys::Text big;
  for (int i = 0; i < 100; ++i) big.Add("abcdef");
  EXPECT_EQ(big.size(), sys::Text::kCapacity);
  EXPECT_EQ(strlen(big.data()), sys::Text::kCapacity);
  char path[64];
  ASSERT_TRUE(sys::ProcPath(path, sizeof(path), 42, "uid_map"));
  EXPECT_STREQ(path, "/proc/42/uid_map");
  EXPECT_FALSE(sys::ProcPath(path, 8, 42, "uid_map"));
}

TEST(SyncTest, MessagesFdsAndEof) {
  int s[2];
  ASSERT_EQ(sync::Pair(s), 0);
  EXPECT_EQ(fcntl(s[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  sync::Message out;
  out.type = sync::Type::kInitPid;
  out.value = 1234;
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  ASSERT_EQ(sync::Send(s[0], out, p[0]), 0);
  sync::Message in;
  int fd = -1;
  ASSERT_EQ(sync::Receive(s[1], &in, &fd), 1);
  EXPECT_EQ(in.type, sync::Type::kInitPid);
  EXPECT_EQ(in.value, 1234);
  ASSERT_GE(fd, 0);
  EXPECT_NE(fd, p[0]);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  close(fd);

  // An fd nobody asked for is closed and the message refused.
  ASSERT_EQ(sync::Send(s[0], out, p[1]), 0);
  EXPECT_EQ(sync::Receive(s[1], &in, nullptr), -EPROTO);

  // A record of the wrong size is refused.
  const char junk[3] = {1, 2, 3};
  ASSERT_EQ(send(s[0], junk, sizeof(junk), 0), 3);
  EXPECT_EQ(sync::Receive(s[1], &in, &fd), -EPROTO);

  close(s[0]);
  EXPECT_EQ(sync::Receive(s[1], &in, &fd), 0);  // EOF

  // A peer that sent its last message and closed without reading ours:
  // that message is still read (after the one-time ECONNRESET), then EOF.
  int t[2];
  ASSERT_EQ(sync::Pair(t), 0);
  out.type = sync::Type::kRelease;
  ASSERT_EQ(sync::Send(t[0], out), 0);  // never read by t[1]
  out.type = sync::Type::kError;
  ASSERT_EQ(sync::Send(t[1], out), 0);
  close(t[1]);
  ASSERT_EQ(sync::Receive(t[0], &in, nullptr), 1);
  EXPECT_EQ(in.type, sync::Type::kError);
  EXPECT_EQ(sync::Receive(t[0], &in, nullptr), 0);
  close(t[0]);
  EXPECT_EQ(sync::Send(s[1], out), -EPIPE);     // and no SIGPIPE
  close(s[1]);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace executor
}  // namespace nsboot
