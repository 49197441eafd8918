// Golden frame vectors (tests/vectors/framegen.py, written by python3-
// protobuf and the example parent's framing, not by nsboot): every
// frame/NAME.bin decodes to exactly frame/NAME.textproto, through nsboot's
// own wire decoder (the pre-main path's) and through libprotobuf, and
// nsboot's encoder writes exactly the same bytes. A vector never changes
// once checked in: a future child must still read every one of them.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "codec/frame.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain_convert.h"
#include "tests/vectors/vector_files.h"

namespace nsboot {
namespace codec {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::nsboot::testing::IsOk;

// There are 4 vectors; a broken glob must not make this test vacuous.
constexpr size_t kMinVectors = 4;

struct Vector {
  std::string bytes;
  v1::BootstrapRequest expected;
};

Vector LoadVector(const std::string& name) {
  const std::string dir = testing::VectorDir("frame");
  Vector v;
  v.bytes = testing::ReadVectorFile(absl::StrCat(dir, "/", name, ".bin"));
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      testing::ReadVectorFile(absl::StrCat(dir, "/", name, ".textproto")),
      &v.expected))
      << name;
  return v;
}

void ExpectSame(const v1::BootstrapRequest& want,
                const v1::BootstrapRequest& got) {
  std::string diff;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(want, got)) << diff;
}

std::vector<std::string> Names() {
  return testing::VectorNames(testing::VectorDir("frame"), ".bin");
}

TEST(FrameVectorsTest, ThereAreVectorsOfBothVersions) {
  const std::vector<std::string> names = Names();
  EXPECT_GE(names.size(), kMinVectors) << testing::VectorDir("frame");
  int v2 = 0;
  for (const std::string& name : names) {
    v2 += LoadVector(name).expected.schema_version() == 2;
  }
  EXPECT_GE(v2, 1);
}

TEST(FrameVectorsTest, DecodeToTheTextprotoAndEncodeToTheBytes) {
  for (const std::string& name : Names()) {
    SCOPED_TRACE(name);
    const Vector v = LoadVector(name);

    // nsboot's decoder, as the hook runs it (plain structs, validated).
    absl::StatusOr<v1::plain::BootstrapRequest> plain =
        DecodeRequestFramePlain(v.bytes);
    ASSERT_THAT(plain, IsOk());
    ExpectSame(v.expected, v1::ToProto(*plain));

    // libprotobuf on the same payload agrees.
    absl::StatusOr<absl::string_view> payload =
        FramePayload(v.bytes, FrameKind::kRequest);
    ASSERT_THAT(payload, IsOk());
    v1::BootstrapRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(std::string(*payload)));
    ExpectSame(v.expected, parsed);

    // nsboot's encoder writes the generator's bytes.
    absl::StatusOr<std::string> encoded = EncodeRequestFrame(v.expected);
    ASSERT_THAT(encoded, IsOk());
    EXPECT_EQ(absl::BytesToHexString(*encoded),
              absl::BytesToHexString(v.bytes));
  }
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
