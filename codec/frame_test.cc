#include "codec/frame.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "codec/decode_error.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace codec {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::nsboot::testing::IsOk;
using ::nsboot::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

v1::BootstrapRequest SampleRequest() {
  v1::BootstrapRequest r;
  r.set_schema_version(1);
  r.add_create_namespaces(v1::NAMESPACE_USER);
  r.add_create_namespaces(v1::NAMESPACE_PID);
  auto* join = r.add_join_namespaces();
  join->set_type(v1::NAMESPACE_NET);
  join->set_path("/proc/1/ns/net");
  auto* uid = r.add_uid_mappings();
  uid->set_container_id(0);
  uid->set_host_id(1000);
  uid->set_size(1);
  r.set_oom_score_adj(-100);
  r.mutable_options()->set_seal_exe(true);
  return r;
}

std::string Frame(uint8_t version, uint8_t kind, uint16_t flags,
                  uint32_t size, const std::string& payload) {
  std::string f = "NSBT";
  f.push_back(static_cast<char>(version));
  f.push_back(static_cast<char>(kind));
  f.push_back(static_cast<char>(flags & 0xff));
  f.push_back(static_cast<char>(flags >> 8));
  for (int i = 0; i < 4; ++i) f.push_back(static_cast<char>(size >> (8 * i)));
  return f + payload;
}

std::string RequestPayload(const v1::BootstrapRequest& r) {
  std::string s;
  EXPECT_TRUE(r.SerializeToString(&s));
  return s;
}

TEST(FrameTest, RequestRoundTrip) {
  NSBOOT_ASSERT_OK_AND_ASSIGN(std::string frame,
                              EncodeRequestFrame(SampleRequest()));
  EXPECT_EQ(frame.substr(0, 8), std::string("NSBT\x01\x01\x00\x00", 8));
  NSBOOT_ASSERT_OK_AND_ASSIGN(v1::BootstrapRequest back,
                              DecodeRequestFrame(frame));
  EXPECT_TRUE(MessageDifferencer::Equals(SampleRequest(), back));
}

TEST(FrameTest, EncodingIsDeterministic) {
  NSBOOT_ASSERT_OK_AND_ASSIGN(std::string a,
                              EncodeRequestFrame(SampleRequest()));
  NSBOOT_ASSERT_OK_AND_ASSIGN(std::string b,
                              EncodeRequestFrame(SampleRequest()));
  EXPECT_EQ(a, b);
}

TEST(FrameTest, EmptyRequestIsValid) {
  NSBOOT_ASSERT_OK_AND_ASSIGN(std::string frame,
                              EncodeRequestFrame(v1::BootstrapRequest()));
  EXPECT_EQ(frame.size(), kFrameHeaderSize);
  EXPECT_THAT(DecodeRequestFrame(frame), IsOk());
}

TEST(FrameTest, ReplyRoundTrip) {
  v1::BootstrapReply reply;
  reply.mutable_error()->set_stage(v1::STAGE_CHILD);
  reply.mutable_error()->set_step(v1::STEP_SETNS);
  reply.mutable_error()->set_errno_value(22);
  reply.mutable_error()->set_message("setns(/proc/1/ns/net): Invalid argument");
  NSBOOT_ASSERT_OK_AND_ASSIGN(std::string frame, EncodeReplyFrame(reply));
  EXPECT_EQ(frame[5], 2);
  NSBOOT_ASSERT_OK_AND_ASSIGN(v1::BootstrapReply back,
                              DecodeReplyFrame(frame));
  EXPECT_TRUE(MessageDifferencer::Equals(reply, back));
}

TEST(FrameTest, ReplyToleratesUnknownFields) {
  v1::BootstrapReply reply;
  reply.mutable_pids()->set_stage2_pid(42);
  std::string payload;
  ASSERT_TRUE(reply.SerializeToString(&payload));
  payload.append("\xa8\x06\x01", 3);  // field 101, varint 1: from a newer child
  NSBOOT_ASSERT_OK_AND_ASSIGN(
      v1::BootstrapReply back,
      DecodeReplyFrame(Frame(1, 2, 0, payload.size(), payload)));
  EXPECT_EQ(back.pids().stage2_pid(), 42);
}

TEST(FrameHeaderTest, Truncated) {
  EXPECT_THAT(ParseFrameHeader(std::string("NSBT\x01\x01", 6)),
              StatusIs(kInvalid, HasSubstr("offset 6: frame header truncated")));
}

TEST(FrameHeaderTest, BadMagic) {
  std::string f = Frame(1, 1, 0, 0, "");
  f[2] = 'X';
  EXPECT_THAT(ParseFrameHeader(f), StatusIs(kInvalid, HasSubstr("offset 0:")));
}

TEST(FrameHeaderTest, UnsupportedVersion) {
  absl::Status s = ParseFrameHeader(Frame(2, 1, 0, 0, "")).status();
  EXPECT_THAT(s, StatusIs(kInvalid,
                          HasSubstr("offset 4: unsupported frame version 2")));
  EXPECT_THAT(DecodeErrorOffset(s), Optional(4u));
}

TEST(FrameHeaderTest, UnknownKind) {
  EXPECT_THAT(ParseFrameHeader(Frame(1, 3, 0, 0, "")),
              StatusIs(kInvalid, HasSubstr("offset 5: unknown frame kind 3")));
}

TEST(FrameHeaderTest, ReservedFlags) {
  EXPECT_THAT(ParseFrameHeader(Frame(1, 1, 0x100, 0, "")),
              StatusIs(kInvalid, HasSubstr("offset 6:")));
}

TEST(FrameHeaderTest, LengthOverCap) {
  EXPECT_THAT(ParseFrameHeader(Frame(1, 1, 0, kMaxFramePayloadSize + 1, "")),
              StatusIs(kInvalid, HasSubstr("offset 8: payload length 1048577 "
                                           "exceeds the cap")));
  EXPECT_THAT(ParseFrameHeader(Frame(1, 1, 0, 0xffffffff, "")),
              StatusIs(kInvalid, HasSubstr("offset 8:")));
  EXPECT_THAT(ParseFrameHeader(Frame(1, 1, 0, kMaxFramePayloadSize, "")),
              IsOk());
}

TEST(FrameDecodeTest, TruncatedPayload) {
  std::string payload = RequestPayload(SampleRequest());
  std::string f = Frame(1, 1, 0, payload.size() + 5, payload);
  EXPECT_THAT(DecodeRequestFrame(f),
              StatusIs(kInvalid, HasSubstr("frame truncated")));
}

TEST(FrameDecodeTest, TrailingBytes) {
  std::string payload = RequestPayload(SampleRequest());
  std::string f = Frame(1, 1, 0, payload.size(), payload) + "xy";
  EXPECT_THAT(DecodeRequestFrame(f),
              StatusIs(kInvalid, HasSubstr("2 bytes after the end")));
}

TEST(FrameDecodeTest, WrongKind) {
  std::string payload = RequestPayload(SampleRequest());
  EXPECT_THAT(DecodeRequestFrame(Frame(1, 2, 0, payload.size(), payload)),
              StatusIs(kInvalid, HasSubstr("offset 5: frame kind 2")));
  EXPECT_THAT(DecodeReplyFrame(Frame(1, 1, 0, 0, "")),
              StatusIs(kInvalid, HasSubstr("offset 5:")));
}

TEST(FrameDecodeTest, MalformedPayload) {
  // Field 3 (join_namespaces), length-delimited, claims 100 bytes; 2 follow.
  const std::string payload("\x1a\x64\x08\x01", 4);
  EXPECT_THAT(DecodeRequestFrame(Frame(1, 1, 0, payload.size(), payload)),
              StatusIs(kInvalid, HasSubstr("malformed nsboot.v1.BootstrapRequest")));
}

TEST(FrameDecodeTest, DeepNestingIsRejected) {
  // Unknown group/length-delimited nesting cannot blow the stack: 10000
  // nested unknown groups (field 15, start-group) are refused.
  std::string payload;
  for (int i = 0; i < 10000; ++i) payload += "\x7b";
  EXPECT_THAT(DecodeRequestFrame(Frame(1, 1, 0, payload.size(), payload)),
              StatusIs(kInvalid));
}

TEST(FrameDecodeTest, UnknownTopLevelFieldIsRejected) {
  std::string payload = RequestPayload(SampleRequest());
  const size_t tag_offset = kFrameHeaderSize + payload.size();
  payload.append("\xf8\x07\x01", 3);  // field 127, varint 1
  EXPECT_THAT(
      DecodeRequestFrame(Frame(1, 1, 0, payload.size(), payload)),
      StatusIs(kInvalid, HasSubstr(absl::StrCat("offset ", tag_offset,
                                                ": unknown field 127 in "
                                                "BootstrapRequest"))));
}

TEST(FrameDecodeTest, UnknownNestedFieldIsRejected) {
  v1::BootstrapRequest r = SampleRequest();
  r.mutable_join_namespaces(0)->GetReflection()->MutableUnknownFields(
      r.mutable_join_namespaces(0))->AddVarint(9, 1);
  std::string payload = RequestPayload(r);
  EXPECT_THAT(DecodeRequestFrame(Frame(1, 1, 0, payload.size(), payload)),
              StatusIs(kInvalid, HasSubstr("unknown field 9 in "
                                           "join_namespaces[0]")));
}

TEST(FrameDecodeTest, ValidationAppliesToFrames) {
  v1::BootstrapRequest r = SampleRequest();
  r.set_oom_score_adj(5000);
  std::string payload = RequestPayload(r);
  EXPECT_THAT(DecodeRequestFrame(Frame(1, 1, 0, payload.size(), payload)),
              StatusIs(kInvalid, HasSubstr("oom_score_adj")));
  // And the encoder refuses to write it in the first place.
  EXPECT_THAT(EncodeRequestFrame(r), StatusIs(kInvalid));
}

TEST(FrameEncodeTest, OversizedPayloadIsRefused) {
  v1::BootstrapReply reply;
  reply.mutable_log()->set_message(std::string(kMaxFramePayloadSize, 'x'));
  EXPECT_THAT(EncodeReplyFrame(reply),
              StatusIs(kInvalid, HasSubstr("over the frame cap")));
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
