#include "common/status_matchers.h"

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::IsOkAndHolds;
using ::nsboot::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Matcher;
using ::testing::Not;

// The matchers must reject as well as accept; a matcher that cannot fail
// would make every test that uses it vacuous.
TEST(IsOkTest, AcceptsOkRejectsError) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(absl::InternalError("x"), Not(IsOk()));
  EXPECT_THAT(absl::StatusOr<int>(1), IsOk());
  EXPECT_THAT(absl::StatusOr<int>(absl::UnknownError("y")), Not(IsOk()));
}

TEST(StatusIsTest, MatchesCodeAndMessage) {
  absl::Status s = absl::InvalidArgumentError("offset 16: nla_len 0 < 4");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("offset 16")));
  EXPECT_THAT(s, Not(StatusIs(absl::StatusCode::kDataLoss)));
  EXPECT_THAT(s, Not(StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr("offset 20"))));
  EXPECT_THAT(absl::StatusOr<int>(s),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(absl::StatusOr<int>(3), StatusIs(absl::StatusCode::kOk));
}

TEST(StatusIsTest, ExplainsMismatch) {
  Matcher<const absl::Status&> m =
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("ns"));
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(m.MatchAndExplain(absl::InternalError("boom"), &listener));
  EXPECT_THAT(listener.str(), HasSubstr("boom"));
  EXPECT_THAT(::testing::DescribeMatcher<const absl::Status&>(m),
              HasSubstr("has a status code that"));
}

TEST(IsOkAndHoldsTest, MatchesValue) {
  EXPECT_THAT(absl::StatusOr<std::string>("abc"), IsOkAndHolds(Eq("abc")));
  EXPECT_THAT(absl::StatusOr<std::string>("abc"), Not(IsOkAndHolds("abd")));
  EXPECT_THAT(absl::StatusOr<std::string>(absl::AbortedError("no")),
              Not(IsOkAndHolds(Eq("abc"))));
}

TEST(AssertOkAndAssignTest, Assigns) {
  NSBOOT_ASSERT_OK_AND_ASSIGN(int v, absl::StatusOr<int>(5));
  EXPECT_EQ(v, 5);
}

}  // namespace
}  // namespace nsboot
