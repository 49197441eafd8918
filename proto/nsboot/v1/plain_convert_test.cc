// Every field of the schema survives generated -> plain -> generated. The
// messages are filled through reflection, so a field added to bootstrap.proto
// but not to plain.h fails here.
#include "proto/nsboot/v1/plain_convert.h"

#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/fill_message.h"

namespace nsboot {
namespace v1 {
namespace {

using ::google::protobuf::util::MessageDifferencer;

class PlainConvertTest
    : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(PlainConvertTest, RequestRoundTrip) {
  BootstrapRequest request;
  int counter = 0;
  FillMessage(&request, std::get<0>(GetParam()), std::get<1>(GetParam()),
              &counter);
  BootstrapRequest back = ToProto(ToPlain(request));
  EXPECT_TRUE(MessageDifferencer::Equals(request, back))
      << request.DebugString() << "\nvs\n"
      << back.DebugString();
  EXPECT_TRUE(ToPlain(back) == ToPlain(request));
}

TEST_P(PlainConvertTest, ReplyRoundTrip) {
  BootstrapReply reply;
  int counter = 0;
  FillMessage(&reply, std::get<0>(GetParam()), std::get<1>(GetParam()),
              &counter);
  BootstrapReply back = ToProto(ToPlain(reply));
  EXPECT_TRUE(MessageDifferencer::Equals(reply, back))
      << reply.DebugString() << "\nvs\n"
      << back.DebugString();
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
