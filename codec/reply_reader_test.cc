#include "codec/reply_reader.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "codec/frame.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace codec {
namespace {

using ::nsboot::testing::StatusIs;
using ::testing::HasSubstr;

std::string PidsFrame(int stage2) {
  v1::BootstrapReply reply;
  reply.mutable_pids()->set_stage1_pid(stage2 - 1);
  reply.mutable_pids()->set_stage2_pid(stage2);
  auto frame = EncodeReplyFrame(reply);
  EXPECT_TRUE(frame.ok());
  return *frame;
}

// Sends `data` with `fds` attached to its first byte.
void SendWithFds(int sock, const std::string& data, const std::vector<int>& fds) {
  char control[CMSG_SPACE(sizeof(int) * 16)] = {};
  struct iovec iov = {const_cast<char*>(data.data()), data.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  ASSERT_EQ(sendmsg(sock, &msg, 0), static_cast<ssize_t>(data.size()));
}

class ReplyReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv_), 0);
  }
  void TearDown() override {
    close(sv_[0]);
    if (sv_[1] >= 0) close(sv_[1]);
  }
  int sv_[2];
};

TEST_F(ReplyReaderTest, FramesOneByOneThenEof) {
  const std::string two = PidsFrame(10) + PidsFrame(20);
  ASSERT_EQ(write(sv_[1], two.data(), two.size()),
            static_cast<ssize_t>(two.size()));
  close(sv_[1]);
  sv_[1] = -1;
  auto a = ReadReplyFrame(sv_[0]);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->reply.pids().stage2_pid(), 10);
  auto b = ReadReplyFrame(sv_[0]);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->reply.pids().stage2_pid(), 20);
  EXPECT_THAT(ReadReplyFrame(sv_[0]), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ReplyReaderTest, FdsArriveWithTheFrame) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  SendWithFds(sv_[1], PidsFrame(5), {p[0], p[1]});
  auto r = ReadReplyFrame(sv_[0]);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->fds.size(), 2u);
  for (int fd : r->fds) {
    EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    close(fd);
  }
  close(p[0]);
  close(p[1]);
}

TEST_F(ReplyReaderTest, ExtraFdsAreClosedNotKept) {
  std::vector<int> many;
  for (int i = 0; i < 8; ++i) many.push_back(open("/dev/null", O_RDONLY));
  SendWithFds(sv_[1], PidsFrame(5), many);
  auto r = ReadReplyFrame(sv_[0]);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(static_cast<int>(r->fds.size()), kMaxReplyFds);
  for (int fd : r->fds) close(fd);
  for (int fd : many) close(fd);
}

TEST_F(ReplyReaderTest, TruncatedFrameIsDataLossAndFdsAreClosed) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  SendWithFds(sv_[1], PidsFrame(5).substr(0, 15), {p[0]});
  close(sv_[1]);
  sv_[1] = -1;
  EXPECT_THAT(ReadReplyFrame(sv_[0]),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset 15")));
  close(p[0]);
  close(p[1]);
}

TEST_F(ReplyReaderTest, GarbageIsADecodeError) {
  ASSERT_EQ(write(sv_[1], "NSBX\x01\x02\x00\x00\x00\x00\x00\x00", 12), 12);
  EXPECT_THAT(ReadReplyFrame(sv_[0]),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset 0")));
}

TEST(ReplyReaderPipeTest, WorksOnAPipe) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const std::string f = PidsFrame(7);
  ASSERT_EQ(write(p[1], f.data(), f.size()), static_cast<ssize_t>(f.size()));
  auto r = ReadReplyFrame(p[0]);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->reply.pids().stage2_pid(), 7);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
