// The hand-written wire codec against libprotobuf: same bytes out for
// replies, same message in for requests, and precise errors for the rest.
#include "codec/wire.h"

#include <string>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "codec/decode_error.h"
#include "codec/limits.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/fill_message.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace codec {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::nsboot::testing::StatusIs;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::string Serialize(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  EXPECT_TRUE(message.SerializeToCodedStream(&coded));
  return out;
}

// Parses with ours and checks it equals libprotobuf's parse.
void ExpectSameParse(const std::string& payload) {
  SCOPED_TRACE(absl::CHexEscape(payload));
  v1::BootstrapRequest reference;
  ASSERT_TRUE(reference.ParseFromString(payload));
  NSBOOT_ASSERT_OK_AND_ASSIGN(v1::plain::BootstrapRequest ours,
                              ParseRequestPayload(payload, 0));
  v1::BootstrapRequest back = v1::ToProto(ours);
  EXPECT_TRUE(MessageDifferencer::Equals(reference, back))
      << reference.DebugString() << "\nvs\n"
      << back.DebugString();
}

class WireFilledTest : public ::testing::TestWithParam<std::tuple<int, bool>> {
};

TEST_P(WireFilledTest, RequestParsesAsLibprotobufParsesIt) {
  v1::BootstrapRequest request;
  int counter = 0;
  v1::FillMessage(&request, std::get<0>(GetParam()), std::get<1>(GetParam()),
                  &counter);
  ExpectSameParse(Serialize(request));
}

TEST_P(WireFilledTest, ReplySerializesAsLibprotobufSerializesIt) {
  v1::BootstrapReply reply;
  int counter = 0;
  v1::FillMessage(&reply, std::get<0>(GetParam()), std::get<1>(GetParam()),
                  &counter);
  EXPECT_EQ(SerializeReplyPayload(v1::ToPlain(reply)), Serialize(reply));
}

INSTANTIATE_TEST_SUITE_P(All, WireFilledTest,
                         ::testing::Combine(::testing::Range(0, 4),
                                            ::testing::Bool()));

TEST(WireReplyTest, DefaultsAndPresence) {
  v1::BootstrapReply reply;
  EXPECT_EQ(SerializeReplyPayload(v1::ToPlain(reply)), "");
  reply.mutable_ready();  // an empty oneof member is still written
  EXPECT_EQ(SerializeReplyPayload(v1::ToPlain(reply)), Serialize(reply));
  reply.mutable_error()->set_byte_offset(0);   // optional: written when 0
  reply.mutable_error()->set_errno_value(-1);  // sign-extended to 10 bytes
  EXPECT_EQ(SerializeReplyPayload(v1::ToPlain(reply)), Serialize(reply));
  v1::plain::BootstrapReply big;
  big.kind = v1::plain::BootstrapReply::Kind::kPids;
  for (int i = 0; i < 8; ++i) {
    big.pids.namespaces.push_back(
        {static_cast<v1::Namespace>(i), ~0ull - i, 1ull << (i * 7)});
  }
  EXPECT_EQ(SerializeReplyPayload(big), Serialize(v1::ToProto(big)));
}

TEST(WireRequestTest, ProtobufSemantics) {
  // Unpacked repeated enum (a valid proto3 encoding) and a packed one.
  ExpectSameParse(std::string("\x10\x01\x10\x02\x12\x02\x03\x06", 8));
  // The last scalar wins; a oneof member clears the others (path, then pid).
  ExpectSameParse(
      std::string("\x08\x01\x08\x00\x1a\x07\x12\x03/ab\x18\x05", 13));
  // pid, then path.
  ExpectSameParse(std::string("\x1a\x07\x18\x05\x12\x03/ab", 9));
  // options twice: merged.
  ExpectSameParse(std::string("\x6a\x02\x08\x01\x6a\x02\x10\x09", 8));
  // proto3 optional set to its default keeps presence.
  ExpectSameParse(std::string("\x38\x00\x40\x00", 4));
  // A negative int32 as a 10-byte varint, and an over-long int32 varint
  // truncated to 32 bits.
  ExpectSameParse(
      std::string("\x38\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11));
  ExpectSameParse(std::string("\x38\x85\x80\x80\x80\x10", 6));
  // A bool varint other than 1 is true.
  ExpectSameParse(std::string("\x40\x7f", 2));
  // netlink_layout: packed attribute order and optional fields.
  ExpectSameParse(
      std::string("\x72\x09\x0a\x03\x91\xd5\x01\x10\x00\x18\x00", 11));
}

TEST(WireRequestTest, UnknownFieldsAreRejectedWithTheirOffset) {
  EXPECT_THAT(ParseRequestPayload(std::string("\x08\x01\xf8\x07\x01", 5), 12),
              StatusIs(kInvalid, HasSubstr("offset 14: unknown field 127 in "
                                           "BootstrapRequest")));
  // Known number, wrong wire type: libprotobuf keeps it as unknown.
  EXPECT_THAT(ParseRequestPayload(std::string("\x0d\x01\x00\x00\x00", 5), 0),
              StatusIs(kInvalid, HasSubstr("offset 0: unknown field 1 in")));
  // Nested: the path names the element.
  EXPECT_THAT(
      ParseRequestPayload(std::string("\x1a\x00\x1a\x02\x48\x01", 6), 0),
      StatusIs(kInvalid, HasSubstr("offset 4: unknown field 9 in "
                                   "join_namespaces[1]")));
  EXPECT_THAT(ParseRequestPayload(std::string("\x6a\x02\x30\x01", 4), 0),
              StatusIs(kInvalid, HasSubstr("unknown field 6 in options")));
  // Schema version 2's options.skip_namespace_ids (field 5) is known.
  auto v2 = ParseRequestPayload(std::string("\x08\x02\x6a\x02\x28\x01", 6), 0);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_TRUE(v2->options_or_default().skip_namespace_ids);
  // Groups, known number or not.
  EXPECT_THAT(ParseRequestPayload(std::string("\x7b\x7c", 2), 0),
              StatusIs(kInvalid, HasSubstr("unknown field 15 (group)")));
}

TEST(WireRequestTest, MalformedInputNamesTheOffset) {
  struct Case {
    std::string payload;
    const char* expect;
  };
  const Case cases[] = {
      {std::string("\x1a\x64\x08\x01", 4), "offset 1: malformed"},
      {std::string("\x08", 1), "offset 1: malformed"},
      {std::string("\x08\x80", 2), "truncated varint"},
      {std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),
       "varint longer than 10 bytes"},
      {std::string("\x00", 1), "field number 0"},
      {std::string("\x0e", 1), "invalid wire type 6"},
      {std::string("\xff\xff\xff\xff\x7f", 5), "tag does not fit"},
      {std::string("\x12\x03\x01\x02\x80", 5), "offset 4: malformed"},
  };
  for (const Case& c : cases) {
    v1::BootstrapRequest reference;
    EXPECT_FALSE(reference.ParseFromString(c.payload) &&
                 reference.GetReflection()->GetUnknownFields(reference).empty())
        << "libprotobuf accepts " << absl::CHexEscape(c.payload);
    EXPECT_THAT(ParseRequestPayload(c.payload, 0),
                StatusIs(kInvalid, HasSubstr(c.expect)))
        << absl::CHexEscape(c.payload);
  }
}

TEST(WireRequestTest, RepeatedFieldsAreCappedWhileReading) {
  // 341 uid mappings: refused at the 341st, before it is allocated.
  std::string payload;
  for (int i = 0; i < kMaxIdMappings + 1; ++i)
    payload += std::string("\x22\x00", 2);
  EXPECT_THAT(ParseRequestPayload(payload, 12),
              StatusIs(kInvalid, HasSubstr(absl::StrCat(
                                     "offset ", 12 + 2 * kMaxIdMappings,
                                     ": uid_mappings: more than 340"))));
  // A packed run of 9 namespaces.
  EXPECT_THAT(ParseRequestPayload(std::string("\x12\x09\x01\x02\x03\x04\x05"
                                              "\x06\x07\x08\x01",
                                              11),
                                  0),
              StatusIs(kInvalid, HasSubstr("offset 10: create_namespaces: "
                                           "more than 8")));
  std::string joins;
  for (int i = 0; i < 9; ++i) joins += std::string("\x1a\x00", 2);
  EXPECT_THAT(ParseRequestPayload(joins, 0),
              StatusIs(kInvalid, HasSubstr("join_namespaces: more than 8")));
  EXPECT_THAT(
      ParseRequestPayload(std::string(kMaxFramePayloadSize + 1, '\0'), 12),
      StatusIs(kInvalid, HasSubstr("exceeds the cap")));
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
