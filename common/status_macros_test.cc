#include "common/status_macros.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::IsOkAndHolds;
using ::nsboot::testing::StatusIs;
using ::testing::Eq;
using ::testing::Pointee;

absl::Status ReturnIfError(absl::Status inner, int* reached) {
  NSBOOT_RETURN_IF_ERROR(inner);
  ++*reached;
  return absl::OkStatus();
}

TEST(ReturnIfErrorTest, PassesOkThrough) {
  int reached = 0;
  EXPECT_THAT(ReturnIfError(absl::OkStatus(), &reached), IsOk());
  EXPECT_EQ(reached, 1);
}

TEST(ReturnIfErrorTest, ReturnsTheErrorUnchanged) {
  int reached = 0;
  EXPECT_THAT(ReturnIfError(absl::DataLossError("short read"), &reached),
              StatusIs(absl::StatusCode::kDataLoss, "short read"));
  EXPECT_EQ(reached, 0);
}

TEST(ReturnIfErrorTest, EvaluatesExpressionOnce) {
  int calls = 0;
  auto fn = [&]() -> absl::Status {
    NSBOOT_RETURN_IF_ERROR((++calls, absl::OkStatus()));
    return absl::OkStatus();
  };
  EXPECT_THAT(fn(), IsOk());
  EXPECT_EQ(calls, 1);
}

absl::StatusOr<std::unique_ptr<int>> MakeInt(absl::StatusOr<int> v) {
  NSBOOT_ASSIGN_OR_RETURN(int value, v);
  return std::make_unique<int>(value * 2);
}

TEST(AssignOrReturnTest, AssignsValue) {
  EXPECT_THAT(MakeInt(21), IsOkAndHolds(Pointee(Eq(42))));
}

TEST(AssignOrReturnTest, ReturnsError) {
  EXPECT_THAT(MakeInt(absl::OutOfRangeError("too big")),
              StatusIs(absl::StatusCode::kOutOfRange, "too big"));
}

absl::StatusOr<std::string> MoveOnly() {
  // Move-only value types and existing lvalues both work; two uses on
  // different lines do not clash.
  NSBOOT_ASSIGN_OR_RETURN(std::unique_ptr<int> p,
                          absl::StatusOr<std::unique_ptr<int>>(
                              std::make_unique<int>(7)));
  std::string s;
  NSBOOT_ASSIGN_OR_RETURN(s, absl::StatusOr<std::string>("x"));
  return s + std::to_string(*p);
}

TEST(AssignOrReturnTest, MoveOnlyAndExistingLvalue) {
  EXPECT_THAT(MoveOnly(), IsOkAndHolds(Eq("x7")));
}

}  // namespace
}  // namespace nsboot
