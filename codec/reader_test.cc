#include "codec/reader.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "codec/chunked_source.h"
#include "codec/decode_error.h"
#include "codec/frame.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace codec {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::IsOkAndHolds;
using ::nsboot::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::ValuesIn;

void Put16(std::string* s, uint16_t v) {
  s->append(reinterpret_cast<const char*>(&v), 2);  // host order, as runc
}
void Put32(std::string* s, uint32_t v) {
  s->append(reinterpret_cast<const char*>(&v), 4);
}

// runc's `runc run` message for net+pid, built by hand in host byte order:
// CLONE_FLAGS then ROOTLESS_EUID, as runc 1.1.5's bootstrapData writes it.
std::string RuncMessage() {
  std::string m;
  Put32(&m, 32);      // nlmsg_len
  Put16(&m, 62000);   // INIT_MSG
  Put16(&m, 1);       // NLM_F_REQUEST
  Put32(&m, 1);       // seq
  Put32(&m, 0);       // pid
  Put16(&m, 8);       // nla_len
  Put16(&m, 27281);   // CLONE_FLAGS
  Put32(&m, 0x40000000 | 0x20000000);
  Put16(&m, 8);
  Put16(&m, 27287);   // ROOTLESS_EUID
  Put32(&m, 0);
  return m;
}

std::string FrameMessage() {
  v1::BootstrapRequest r;
  r.add_create_namespaces(v1::NAMESPACE_UTS);
  r.set_oom_score_adj(7);
  auto frame = EncodeRequestFrame(r);
  EXPECT_THAT(frame, IsOk());
  return *frame;
}

TEST(DetectEncodingTest, TellsTheEncodingsApart) {
  EXPECT_THAT(DetectEncoding(RuncMessage()), IsOkAndHolds(Encoding::kNetlink));
  EXPECT_THAT(DetectEncoding(FrameMessage()), IsOkAndHolds(Encoding::kFrame));
  EXPECT_THAT(DetectEncoding("{\"json\": 1}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offset 0: neither")));
  EXPECT_THAT(DetectEncoding("NSB"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offset 3: too short")));
}

struct ChunkCase {
  const char* name;
  std::vector<int> chunks;
};

class ChunkedReadTest : public ::testing::TestWithParam<ChunkCase> {};

TEST_P(ChunkedReadTest, NetlinkArrivesWhole) {
  const std::string msg = RuncMessage();
  ChunkedSource source(msg + "JSON-after", GetParam().chunks);
  ReaderOptions options;
  options.runc_dialect = RuncDialect::kRunc11;
  NSBOOT_ASSERT_OK_AND_ASSIGN(ReadResult result,
                              ReadRequest(source, options));
  EXPECT_EQ(result.encoding, Encoding::kNetlink);
  EXPECT_EQ(result.size, msg.size());
  // Exactly the message and not one byte of the traffic that follows it.
  EXPECT_EQ(source.consumed(), msg.size());
  ASSERT_EQ(result.request.create_namespaces.size(), 2u);
}

TEST_P(ChunkedReadTest, FrameArrivesWhole) {
  const std::string msg = FrameMessage();
  ChunkedSource source(msg + "trailer", GetParam().chunks);
  NSBOOT_ASSERT_OK_AND_ASSIGN(ReadResult result,
                              ReadRequest(source, ReaderOptions()));
  EXPECT_EQ(result.encoding, Encoding::kFrame);
  EXPECT_EQ(source.consumed(), msg.size());
  EXPECT_EQ(result.request.oom_score_adj, 7);
}

INSTANTIATE_TEST_SUITE_P(
    Chunks, ChunkedReadTest,
    ValuesIn(std::vector<ChunkCase>{
        {"Whole", {}},
        {"OneByte", {1}},
        {"OneByteWithEintr", {1, 0}},
        {"Odd", {3, 0, 5, 7, 0, 0, 2}},
    }),
    [](const ::testing::TestParamInfo<ChunkCase>& info) {
      return std::string(info.param.name);
    });

TEST(ReaderTest, EofInHeader) {
  ChunkedSource source(RuncMessage().substr(0, 11), {});
  EXPECT_THAT(ReadRequest(source, ReaderOptions()),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("offset 11: init pipe closed after 11 bytes")));
}

TEST(ReaderTest, EofInBody) {
  ChunkedSource source(RuncMessage().substr(0, 30), {4});
  EXPECT_THAT(ReadRequest(source, ReaderOptions()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset 30:")));
}

TEST(ReaderTest, EmptyPipe) {
  ChunkedSource source("", {});
  EXPECT_THAT(ReadRequest(source, ReaderOptions()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset 0:")));
}

TEST(ReaderTest, OversizedNetlinkLengthIsRejectedBeforeTheBody) {
  std::string msg = RuncMessage();
  const uint32_t huge = 0x7fffffff;
  std::memcpy(&msg[0], &huge, 4);
  ChunkedSource source(msg, {});
  EXPECT_THAT(ReadRequest(source, ReaderOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(source.consumed(), kNetlinkHeaderSize);
}

TEST(ReaderTest, MemoryFollowsReceivedBytesNotClaimedLength) {
  // A frame claims the maximum payload and then sends 100 bytes. The reader
  // never asks for more than one chunk at a time, so it never holds more
  // than received + kReadChunkSize.
  std::string frame = "NSBT";
  frame += std::string("\x01\x01\x00\x00", 4);
  const uint32_t claimed = kMaxFramePayloadSize;
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<char>(claimed >> (8 * i)));
  frame += std::string(100, '\x08');
  ChunkedSource source(frame, {});
  EXPECT_THAT(ReadRequest(source, ReaderOptions()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset 112:")));
  EXPECT_LE(source.max_request(), kReadChunkSize);
}

TEST(ReaderTest, RejectsDisabledEncodings) {
  ReaderOptions no_netlink;
  no_netlink.accept_netlink = false;
  ChunkedSource a(RuncMessage(), {});
  EXPECT_THAT(ReadRequest(a, no_netlink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not accepted")));
  ReaderOptions no_frame;
  no_frame.accept_frame = false;
  ChunkedSource b(FrameMessage(), {});
  EXPECT_THAT(ReadRequest(b, no_frame),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not accepted")));
}

TEST(ReaderTest, ReplyFrameIsNotARequest) {
  v1::BootstrapReply reply;
  reply.mutable_ready()->add_schema_versions(1);
  auto frame = EncodeReplyFrame(reply);
  ASSERT_THAT(frame, IsOk());
  ChunkedSource source(*frame, {});
  EXPECT_THAT(ReadRequest(source, ReaderOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offset 5: a reply frame")));
}

TEST(ReaderTest, DecodeErrorsKeepTheirOffset) {
  std::string msg = RuncMessage();
  msg[16] = 0;  // first nla_len = 0: runc's nsexec spins forever on this
  msg[17] = 0;
  ChunkedSource source(msg, {1});
  absl::Status s = ReadRequest(source, ReaderOptions()).status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("offset 16:")));
  EXPECT_THAT(DecodeErrorOffset(s), Optional(16u));
}

// The same through a real socket, as the init pipe is: the bytes after the
// message stay in the socket for whoever reads next.
TEST(FdReaderTest, LeavesLaterTrafficInTheSocket) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const std::string msg = RuncMessage() + "{\"initConfig\":1}";
  ASSERT_EQ(write(sv[0], msg.data(), msg.size()),
            static_cast<ssize_t>(msg.size()));
  NSBOOT_ASSERT_OK_AND_ASSIGN(ReadResult result,
                              ReadRequestFromFd(sv[1], ReaderOptions()));
  EXPECT_EQ(result.size, 32u);
  char rest[64];
  ssize_t n = read(sv[1], rest, sizeof(rest));
  EXPECT_EQ(std::string(rest, n > 0 ? n : 0), "{\"initConfig\":1}");
  close(sv[0]);
  close(sv[1]);
}

TEST(FdReaderTest, NonBlockingFdWaitsForSlowWriter) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ASSERT_EQ(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
  const std::string msg = FrameMessage();
  std::thread writer([&] {
    for (char c : msg) {
      usleep(200);
      ASSERT_EQ(write(sv[0], &c, 1), 1);
    }
  });
  auto result = ReadRequestFromFd(sv[1], ReaderOptions());
  writer.join();
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->request.oom_score_adj, 7);
  close(sv[0]);
  close(sv[1]);
}

TEST(FdReaderTest, ParentClosingEarlyIsDataLoss) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const std::string msg = RuncMessage().substr(0, 20);
  ASSERT_EQ(write(sv[0], msg.data(), msg.size()), 20);
  close(sv[0]);
  EXPECT_THAT(ReadRequestFromFd(sv[1], ReaderOptions()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset 20:")));
  close(sv[1]);
}

TEST(FdReaderTest, ReadErrorIsReported) {
  EXPECT_THAT(ReadRequestFromFd(-1, ReaderOptions()),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("Bad file descriptor")));
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
