// nsboot::Status against absl::Status: codes, errno mapping, conversions.
#include "common/status.h"

#include <errno.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status_absl.h"
#include "common/status_macros.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::IsOkAndHolds;
using ::nsboot::testing::StatusIs;

TEST(StatusTest, CodesAndNamesMatchAbsl) {
  for (int c = 0; c <= 16; ++c) {
    const auto code = static_cast<StatusCode>(c);
    EXPECT_EQ(StatusCodeName(code),
              absl::StatusCodeToString(static_cast<absl::StatusCode>(c)));
    EXPECT_TRUE(code == static_cast<absl::StatusCode>(c));
  }
  EXPECT_EQ(Status().ToString(), "OK");
  EXPECT_EQ(InvalidArgumentError("bad").ToString(),
            absl::InvalidArgumentError("bad").ToString());
  EXPECT_TRUE(Status(StatusCode::kOk, "dropped").message().empty());
}

TEST(StatusTest, ErrnoMappingMatchesAbsl) {
  for (int e = 0; e < 140; ++e) {
    EXPECT_TRUE(ErrnoToStatusCode(e) == absl::ErrnoToStatusCode(e))
        << "errno " << e << ": ours " << StatusCodeName(ErrnoToStatusCode(e))
        << ", absl " << absl::StatusCodeToString(absl::ErrnoToStatusCode(e));
  }
  EXPECT_EQ(ErrnoToStatus(ENOENT, "open").ToString(),
            absl::ErrnoToStatus(ENOENT, "open").ToString());
}

TEST(StatusTest, AbslRoundTripKeepsTheByteOffset) {
  Status status = InvalidArgumentError("offset 7: bad");
  status.set_byte_offset(7);
  absl::Status converted = status;  // implicit
  EXPECT_EQ(converted.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(converted.message(), "offset 7: bad");
  EXPECT_TRUE(converted.GetPayload(kByteOffsetPayloadUrl).has_value());
  EXPECT_EQ(FromAbslStatus(converted), status);
  EXPECT_TRUE(ToAbslStatus(Status()).ok());
}

StatusOr<std::unique_ptr<int>> MakeInt(bool ok) {
  if (!ok) return DataLossError("no");
  return std::make_unique<int>(5);
}

Status UseMacros(bool ok, int* out) {
  NSBOOT_ASSIGN_OR_RETURN(std::unique_ptr<int> p, MakeInt(ok));
  NSBOOT_RETURN_IF_ERROR(Status());
  *out = *p;
  return OkStatus();
}

absl::Status UseMacrosFromAbsl(bool ok) {
  int value = 0;
  NSBOOT_RETURN_IF_ERROR(UseMacros(ok, &value));
  return absl::OkStatus();
}

TEST(StatusOrTest, ValuesMovesAndMacros) {
  StatusOr<std::unique_ptr<int>> good = MakeInt(true);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(**good, 5);
  StatusOr<std::unique_ptr<int>> moved = std::move(good);
  EXPECT_EQ(**moved, 5);
  StatusOr<std::unique_ptr<int>> bad = MakeInt(false);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  bad = std::move(moved);
  EXPECT_TRUE(bad.ok());
  int value = 0;
  EXPECT_TRUE(UseMacros(true, &value).ok());
  EXPECT_EQ(value, 5);
  EXPECT_EQ(UseMacros(false, &value).code(), StatusCode::kDataLoss);
  EXPECT_EQ(UseMacrosFromAbsl(false).code(), absl::StatusCode::kDataLoss);
  // An OK status is not a value.
  StatusOr<int> odd = Status();
  EXPECT_EQ(odd.status().code(), StatusCode::kInternal);
  absl::StatusOr<int> converted = StatusOr<int>(3);
  EXPECT_EQ(*converted, 3);
}

TEST(StatusOrTest, Matchers) {
  EXPECT_THAT(StatusOr<int>(4), IsOkAndHolds(4));
  EXPECT_THAT(Status(), IsOk());
  EXPECT_THAT(InvalidArgumentError("x y"),
              StatusIs(absl::StatusCode::kInvalidArgument, "x y"));
  EXPECT_THAT(StatusOr<int>(DataLossError("z")),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(StatusOrDeathTest, ValueOfAnErrorAborts) {
  StatusOr<int> bad = InternalError("boom");
  EXPECT_DEATH((void)*bad, "INTERNAL: boom");
}

}  // namespace
}  // namespace nsboot
