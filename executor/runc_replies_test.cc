#include "executor/runc_replies.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace executor {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::StatusIs;

std::string ReadAvailable(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string ReadPipe(int fd) {
  std::string out;
  char buf[4096];
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(RuncEscapeTest, EscapesLikeNsexec) {
  EXPECT_EQ(RuncEscape("plain text"), "plain text");
  EXPECT_EQ(RuncEscape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(RuncEscape("\b\f\n\r\t"), "\\b\\f\\n\\r\\t");
  EXPECT_EQ(RuncEscape(std::string("\x01\x1f\x7f", 3)), "\\u0001\\u001f\\u007f");
  EXPECT_EQ(RuncEscape(std::string("\0", 1)), "\\u0000");
  EXPECT_EQ(RuncEscape("\xc3\xa9\xff"), "\xc3\xa9\xff");  // >= 0x80 unchanged
}

TEST(RuncLinesTest, ExactShapes) {
  EXPECT_EQ(RuncPidsLine(12, 34), "{\"stage1_pid\":12,\"stage2_pid\":34}\n");
  EXPECT_EQ(RuncLogLine(v1::LOG_LEVEL_DEBUG, v1::STAGE_PARENT, 42,
                        "=> nsexec container setup"),
            "{\"level\":\"debug\", \"msg\": \"nsexec-0[42]: => nsexec "
            "container setup\"}\n");
  EXPECT_EQ(RuncLogLine(v1::LOG_LEVEL_FATAL, v1::STAGE_INIT, 1, "a\nb"),
            "{\"level\":\"fatal\", \"msg\": \"nsexec-2[1]: a\\nb\"}\n");
  EXPECT_EQ(RuncLogLine(v1::LOG_LEVEL_WARNING, v1::STAGE_READER, 7, "x"),
            "{\"level\":\"warning\", \"msg\": \"nsexec[7]: x\"}\n");
  EXPECT_STREQ(RuncLevelName(v1::LOG_LEVEL_TRACE), "trace");
  EXPECT_STREQ(RuncLevelName(v1::LOG_LEVEL_PANIC), "panic");
  EXPECT_STREQ(RuncStageName(v1::STAGE_CHILD), "nsexec-1");
}

TEST(RuncReplySinkTest, WritesRuncBytes) {
  int init[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, init), 0);
  int log[2];
  ASSERT_EQ(pipe2(log, O_CLOEXEC), 0);
  RuncReplySink sink(init[0], log[1]);

  using Reply = v1::plain::BootstrapReply;
  Reply ready;
  ready.kind = Reply::Kind::kReady;
  ready.ready.schema_versions.push_back(1);
  EXPECT_THAT(sink.Send(ready, Attachments()), IsOk());
  Reply pids;
  pids.kind = Reply::Kind::kPids;
  pids.pids.stage1_pid = 100;
  pids.pids.stage2_pid = 101;
  EXPECT_THAT(sink.Send(pids, Attachments()), IsOk());
  EXPECT_EQ(ReadAvailable(init[1]),
            std::string(1, '\0') + "{\"stage1_pid\":100,\"stage2_pid\":101}\n");

  Reply record;
  record.kind = Reply::Kind::kLog;
  record.log.level = v1::LOG_LEVEL_INFO;
  record.log.stage = v1::STAGE_PARENT;
  record.log.pid = 9;
  record.log.message = "hello \"x\"";
  EXPECT_THAT(sink.Send(record, Attachments()), IsOk());
  Reply error;
  error.kind = Reply::Kind::kError;
  error.error.stage = v1::STAGE_CHILD;
  error.error.message = "setns: Operation not permitted";
  Attachments with_pid;
  with_pid.pid = 77;
  EXPECT_THAT(sink.Send(error, with_pid), IsOk());
  EXPECT_EQ(ReadPipe(log[0]),
            "{\"level\":\"info\", \"msg\": \"nsexec-0[9]: hello \\\"x\\\"\"}\n"
            "{\"level\":\"fatal\", \"msg\": \"nsexec-1[77]: setns: Operation "
            "not permitted\"}\n");
  EXPECT_THAT(sink.Send(Reply(), Attachments()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Reply unknown;
  unknown.kind = static_cast<Reply::Kind>(9);
  EXPECT_THAT(sink.Send(unknown, Attachments()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  for (int fd : {init[0], init[1], log[0], log[1]}) close(fd);
}

// Sockets take send(MSG_NOSIGNAL); pipes and files, which refuse send()
// with ENOTSOCK, get write() with SIGPIPE blocked: every kind gets the bytes.
TEST(WriteAllNoSigpipeTest, WritesToSocketsPipesAndFiles) {
  int s[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
  EXPECT_THAT(WriteAllNoSigpipe(s[0], "to a socket\n"), IsOk());
  close(s[0]);
  EXPECT_EQ(ReadPipe(s[1]), "to a socket\n");
  close(s[1]);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  EXPECT_THAT(WriteAllNoSigpipe(p[1], "to a pipe\n"), IsOk());
  close(p[1]);
  EXPECT_EQ(ReadPipe(p[0]), "to a pipe\n");
  close(p[0]);
  char path[] = "/tmp/nsboot_write_all_XXXXXX";
  const int f = mkstemp(path);
  ASSERT_GE(f, 0);
  unlink(path);
  EXPECT_THAT(WriteAllNoSigpipe(f, "to a file\n"), IsOk());
  char buf[32] = {};
  EXPECT_EQ(pread(f, buf, sizeof(buf), 0), 10);
  EXPECT_STREQ(buf, "to a file\n");
  close(f);
}

TEST(WriteAllNoSigpipeTest, ClosedReaderIsAnErrorNotASignal) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  close(p[0]);
  EXPECT_THAT(WriteAllNoSigpipe(p[1], "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  close(p[1]);
  int s[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
  close(s[1]);
  EXPECT_THAT(WriteAllNoSigpipe(s[0], "x"), ::testing::Not(IsOk()));
  close(s[0]);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));
}

}  // namespace
}  // namespace executor
}  // namespace nsboot
