#include "embed/frame_reply_sink.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/reply_reader.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace embed {
namespace {

using ::nsboot::testing::IsOk;
using Kind = v1::plain::BootstrapReply::Kind;

class FrameReplySinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv_), 0);
  }
  void TearDown() override {
    close(sv_[0]);
    close(sv_[1]);
  }
  // Bytes waiting on the parent's end (without reading them).
  int Pending() {
    char buf[4096];
    const ssize_t n = recv(sv_[0], buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
    return n < 0 ? 0 : static_cast<int>(n);
  }
  // One recv: what a parent woken once would see.
  ssize_t ReadOnce(char* buf, size_t size) {
    return recv(sv_[0], buf, size, MSG_DONTWAIT);
  }
  int sv_[2];
};

v1::plain::BootstrapReply Ready() {
  v1::plain::BootstrapReply r;
  r.kind = Kind::kReady;
  r.ready.schema_versions = {1, 2};
  return r;
}

v1::plain::BootstrapReply Pids() {
  v1::plain::BootstrapReply r;
  r.kind = Kind::kPids;
  r.pids.stage2_pid = 42;
  return r;
}

TEST_F(FrameReplySinkTest, ReadyWaitsForTheNextReplyAndGoesInTheSameWrite) {
  FrameReplySink sink(sv_[1]);
  ASSERT_THAT(sink.Send(Ready(), {}), IsOk());
  EXPECT_EQ(Pending(), 0);
  ASSERT_THAT(sink.Send(Pids(), {}), IsOk());
  // A single read takes both (Pending() above shows Ready was held back).
  char buf[4096];
  const ssize_t n = ReadOnce(buf, sizeof(buf));
  ASSERT_GT(n, 0);
  int other[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, other), 0);
  ASSERT_EQ(write(other[1], buf, n), n);
  close(other[1]);
  auto first = codec::ReadReplyFrame(other[0]);
  auto second = codec::ReadReplyFrame(other[0]);
  close(other[0]);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_TRUE(first->reply.has_ready());
  EXPECT_EQ(first->reply.ready().schema_versions_size(), 2);
  EXPECT_EQ(second->reply.pids().stage2_pid(), 42);
}

TEST_F(FrameReplySinkTest, PidfdsStillComeWithThePidsFrame) {
  FrameReplySink sink(sv_[1]);
  ASSERT_THAT(sink.Send(Ready(), {}), IsOk());
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  executor::Attachments attachments;
  attachments.fds = absl::Span<const int>(&fd, 1);
  ASSERT_THAT(sink.Send(Pids(), attachments), IsOk());
  close(fd);
  auto ready = codec::ReadReplyFrame(sv_[0]);
  ASSERT_THAT(ready, IsOk());
  EXPECT_TRUE(ready->reply.has_ready());
  EXPECT_TRUE(ready->fds.empty());
  auto pids = codec::ReadReplyFrame(sv_[0]);
  ASSERT_THAT(pids, IsOk());
  EXPECT_EQ(pids->reply.pids().stage2_pid(), 42);
  ASSERT_EQ(pids->fds.size(), 1u);
  for (int f : pids->fds) close(f);
}

TEST_F(FrameReplySinkTest, FlushWritesAHeldReadyOnce) {
  FrameReplySink sink(sv_[1]);
  ASSERT_THAT(sink.Flush(), IsOk());
  EXPECT_EQ(Pending(), 0);
  ASSERT_THAT(sink.Send(Ready(), {}), IsOk());
  ASSERT_THAT(sink.Flush(), IsOk());
  ASSERT_THAT(sink.Flush(), IsOk());
  auto ready = codec::ReadReplyFrame(sv_[0]);
  ASSERT_THAT(ready, IsOk());
  EXPECT_TRUE(ready->reply.has_ready());
  EXPECT_EQ(Pending(), 0);
}

}  // namespace
}  // namespace embed
}  // namespace nsboot
