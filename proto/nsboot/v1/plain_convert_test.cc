// Every field of the schema survives generated -> plain -> generated. The
// messages are filled through reflection, so a field added to bootstrap.proto
// but not to plain.h fails here.
#include "proto/nsboot/v1/plain_convert.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace v1 {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::google::protobuf::util::MessageDifferencer;

// Sets every field of `message` (recursively) to a value that is not the
// default, distinct per field; repeated fields get two elements. For each
// oneof, only member number `oneof_pick` (modulo its size) is set. Enums get
// `open_enum ? 1000 + n : the last declared value`.
void Fill(Message* message, int oneof_pick, bool open_enum, int* counter) {
  const Reflection* r = message->GetReflection();
  const auto* d = message->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (const auto* oneof = f->real_containing_oneof()) {
      if (oneof->field(oneof_pick % oneof->field_count()) != f) continue;
    }
    const int copies = f->is_repeated() ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const int n = ++*counter;
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r->AddInt32(message, f, -n)
                           : r->SetInt32(message, f, -n);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r->AddInt64(message, f, -n * 1000000007LL)
                           : r->SetInt64(message, f, -n * 1000000007LL);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? r->AddUInt32(message, f, 0xF0000000u + n)
                           : r->SetUInt32(message, f, 0xF0000000u + n);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? r->AddUInt64(message, f, (1ULL << 40) + n)
                           : r->SetUInt64(message, f, (1ULL << 40) + n);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r->AddBool(message, f, true)
                           : r->SetBool(message, f, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* e = f->enum_type();
          int value = open_enum ? 1000 + n : e->value(e->value_count() - 1)->number();
          f->is_repeated() ? r->AddEnumValue(message, f, value)
                           : r->SetEnumValue(message, f, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string s = "s" + std::to_string(n) + std::string("\0\xff", 2);
          f->is_repeated() ? r->AddString(message, f, s)
                           : r->SetString(message, f, s);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          Fill(f->is_repeated() ? r->AddMessage(message, f)
                                : r->MutableMessage(message, f),
               oneof_pick, open_enum, counter);
          break;
        default:
          FAIL() << "field type not handled by this test: " << f->full_name();
      }
    }
  }
}

class PlainConvertTest
    : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(PlainConvertTest, RequestRoundTrip) {
  BootstrapRequest request;
  int counter = 0;
  Fill(&request, std::get<0>(GetParam()), std::get<1>(GetParam()), &counter);
  BootstrapRequest back = ToProto(ToPlain(request));
  EXPECT_TRUE(MessageDifferencer::Equals(request, back))
      << request.DebugString() << "\nvs\n" << back.DebugString();
  EXPECT_TRUE(ToPlain(back) == ToPlain(request));
}

TEST_P(PlainConvertTest, ReplyRoundTrip) {
  BootstrapReply reply;
  int counter = 0;
  Fill(&reply, std::get<0>(GetParam()), std::get<1>(GetParam()), &counter);
  BootstrapReply back = ToProto(ToPlain(reply));
  EXPECT_TRUE(MessageDifferencer::Equals(reply, back))
      << reply.DebugString() << "\nvs\n" << back.DebugString();
}

// Oneof members 0..3 (BootstrapReply has four), declared and open enums.
INSTANTIATE_TEST_SUITE_P(All, PlainConvertTest,
                         ::testing::Combine(::testing::Range(0, 4),
                                            ::testing::Bool()));

TEST(PlainConvertTest, EmptyMessagesStayEmpty) {
  EXPECT_EQ(ToProto(ToPlain(BootstrapRequest())).ByteSizeLong(), 0u);
  EXPECT_EQ(ToProto(ToPlain(BootstrapReply())).ByteSizeLong(), 0u);
  // Presence of an empty sub-message is kept.
  BootstrapRequest request;
  request.mutable_options();
  request.mutable_netlink_layout();
  plain::BootstrapRequest p = ToPlain(request);
  EXPECT_TRUE(p.options.has_value());
  EXPECT_TRUE(p.netlink_layout.has_value());
  EXPECT_TRUE(ToProto(p).has_options());
  EXPECT_TRUE(ToProto(p).has_netlink_layout());
}

}  // namespace
}  // namespace v1
}  // namespace nsboot
