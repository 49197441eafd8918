#include "codec/decode_error.h"

#include <cstdint>

#include "absl/status/status.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace codec {
namespace {

using ::nsboot::testing::StatusIs;
using ::testing::Eq;
using ::testing::Optional;

TEST(DecodeErrorTest, NamesOffsetAndReason) {
  absl::Status s = DecodeError(20, "nla_len 0 is shorter than its header");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          "offset 20: nla_len 0 is shorter than its header"));
  EXPECT_THAT(DecodeErrorOffset(s), Optional(Eq(20u)));
}

TEST(DecodeErrorTest, OffsetSurvivesLargeValues) {
  const uint64_t big = 0x0102030405060708ull;
  EXPECT_THAT(DecodeErrorOffset(DecodeError(big, "x")), Optional(Eq(big)));
}

TEST(DecodeErrorTest, OtherStatusesHaveNoOffset) {
  EXPECT_EQ(DecodeErrorOffset(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(DecodeErrorOffset(absl::InvalidArgumentError("offset 3: x")),
            std::nullopt);
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
