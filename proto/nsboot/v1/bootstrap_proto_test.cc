// Schema tests: binary, text-format and JSON round trips of real requests,
// forward compatibility, and the schema lock that keeps field numbers from
// ever being reused.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::TextFormat;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::ValuesIn;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

v1::BootstrapRequest ParseText(const std::string& text) {
  v1::BootstrapRequest request;
  EXPECT_TRUE(TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

class ExampleRequestTest : public ::testing::TestWithParam<std::string> {
 protected:
  v1::BootstrapRequest Load() {
    return ParseText(ReadFile("examples/requests/" + GetParam()));
  }
};

TEST_P(ExampleRequestTest, BinaryRoundTrip) {
  v1::BootstrapRequest request = Load();
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  v1::BootstrapRequest back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_TRUE(MessageDifferencer::Equals(request, back))
      << request.DebugString() << "\nvs\n"
      << back.DebugString();
  // Deterministic serialization gives the same bytes twice.
  std::string again;
  ASSERT_TRUE(back.SerializeToString(&again));
  EXPECT_EQ(wire, again);
}

TEST_P(ExampleRequestTest, TextFormatRoundTrip) {
  v1::BootstrapRequest request = Load();
  std::string text;
  ASSERT_TRUE(TextFormat::PrintToString(request, &text));
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(text))) << text;
}

TEST_P(ExampleRequestTest, JsonRoundTrip) {
  v1::BootstrapRequest request = Load();
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(request, &json).ok());
  v1::BootstrapRequest back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok())
      << json;
  EXPECT_TRUE(MessageDifferencer::Equals(request, back)) << json;
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleRequestTest,
                         ValuesIn(std::vector<std::string>{
                             "default.textproto", "join.textproto",
                             "everything.textproto"}));

TEST(SchemaTest, JsonUsesEnumNamesAndBase64Bytes) {
  v1::BootstrapRequest request =
      ParseText(ReadFile("examples/requests/everything.textproto"));
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(request, &json).ok());
  EXPECT_THAT(json, HasSubstr("\"createNamespaces\":[\"NAMESPACE_USER\""));
  EXPECT_THAT(json, HasSubstr("\"setgroups\":\"SETGROUPS_ALLOW\""));
  // Paths are bytes: base64 in JSON, so non-UTF-8 paths survive.
  EXPECT_THAT(json, HasSubstr("\"uidmapHelper\":\"L3Vzci9iaW4vbmV3dWlkbWFw\""));
  EXPECT_THAT(json, HasSubstr("\"oomScoreAdj\":1000"));
}

TEST(SchemaTest, NonUtf8PathsAreAccepted) {
  v1::BootstrapRequest request;
  request.add_join_namespaces()->set_path(std::string("/run/\xff\x80ns", 9));
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  v1::BootstrapRequest back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.join_namespaces(0).path(), std::string("/run/\xff\x80ns", 9));
}

TEST(SchemaTest, ExplicitPresenceOfOptionalScalars) {
  v1::BootstrapRequest request;
  EXPECT_FALSE(request.has_oom_score_adj());
  EXPECT_FALSE(request.has_rootless_euid());
  request.set_oom_score_adj(0);
  request.set_rootless_euid(false);
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  v1::BootstrapRequest back;
  ASSERT_TRUE(back.ParseFromString(wire));
  // Zero values that were set stay distinguishable from "not sent".
  EXPECT_TRUE(back.has_oom_score_adj());
  EXPECT_TRUE(back.has_rootless_euid());
}

TEST(SchemaTest, UnknownFieldsFromNewerParentsAreKept) {
  // A newer parent adds field 99 (varint 5); an older decoder keeps the known
  // fields and carries the unknown one through a re-serialization.
  v1::BootstrapRequest request;
  request.set_schema_version(1);
  request.set_oom_score_adj(-17);
  std::string wire;
  ASSERT_TRUE(request.SerializeToString(&wire));
  wire.append("\x98\x06\x05", 3);  // tag (99 << 3 | 0) = 792, value 5
  v1::BootstrapRequest back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.oom_score_adj(), -17);
  std::string again;
  ASSERT_TRUE(back.SerializeToString(&again));
  EXPECT_EQ(again, wire);
}

TEST(SchemaTest, EveryEnumStartsWithUnspecified) {
  const FileDescriptor* file = v1::BootstrapRequest::descriptor()->file();
  ASSERT_GT(file->enum_type_count(), 0);
  for (int i = 0; i < file->enum_type_count(); ++i) {
    const EnumDescriptor* e = file->enum_type(i);
    ASSERT_NE(e->FindValueByNumber(0), nullptr) << e->full_name();
    EXPECT_THAT(e->FindValueByNumber(0)->name(), HasSubstr("_UNSPECIFIED"))
        << e->full_name();
  }
}

// Every field of the schema, "Message.field = number". A field's number may
// never change and a number never be given to another field: the lock file
// only grows. A new field must be appended to it in the same change.
void CollectFields(const Descriptor* d, std::set<std::string>* out) {
  for (int i = 0; i < d->field_count(); ++i) {
    out->insert(d->name() + "." + d->field(i)->name() + " = " +
                std::to_string(d->field(i)->number()));
  }
  for (int i = 0; i < d->nested_type_count(); ++i) {
    CollectFields(d->nested_type(i), out);
  }
}

TEST(SchemaTest, FieldNumbersMatchTheLock) {
  const FileDescriptor* file = v1::BootstrapRequest::descriptor()->file();
  std::set<std::string> actual;
  for (int i = 0; i < file->message_type_count(); ++i) {
    CollectFields(file->message_type(i), &actual);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) {
    const EnumDescriptor* e = file->enum_type(i);
    for (int j = 0; j < e->value_count(); ++j) {
      actual.insert(e->name() + "." + e->value(j)->name() + " = " +
                    std::to_string(e->value(j)->number()));
    }
  }
  std::set<std::string> locked;
  std::istringstream lock(ReadFile("proto/nsboot/v1/schema.lock"));
  for (std::string line; std::getline(lock, line);) {
    if (line.empty() || line[0] == '#') continue;
    locked.insert(line);
  }
  for (const std::string& entry : locked) {
    EXPECT_EQ(actual.count(entry), 1u)
        << "locked schema entry missing or renumbered: " << entry;
  }
  for (const std::string& entry : actual) {
    EXPECT_EQ(locked.count(entry), 1u)
        << "new schema entry not yet in schema.lock: " << entry;
  }
}

}  // namespace
}  // namespace nsboot
