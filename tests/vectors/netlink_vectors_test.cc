// Golden vectors from runc's own Go encoder (tests/vectors/runcgen): every
// NAME.netlink.bin decodes to exactly NAME.textproto and re-encodes to
// exactly the same bytes.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "codec/netlink.h"
#include "codec/validate.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "tests/vectors/vector_files.h"

namespace nsboot {
namespace codec {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::nsboot::testing::IsOk;

// There are 11 vectors; a broken glob must not make this test vacuous.
constexpr size_t kMinVectors = 11;

std::vector<std::string> VectorNames() {
  return testing::VectorNames(testing::VectorDir(), ".netlink.bin");
}

struct Vector {
  std::string name;
  std::string bytes;
  v1::BootstrapRequest expected;
  RuncDialect dialect;
  bool runc_default_layout;
};

Vector LoadVector(const std::string& name) {
  Vector v;
  v.name = name;
  v.bytes = testing::ReadVectorFile(
      absl::StrCat(testing::VectorDir(), "/", name, ".netlink.bin"));
  const std::string text =
      testing::ReadVectorFile(
          absl::StrCat(testing::VectorDir(), "/", name, ".textproto"));
  if (absl::StartsWith(text, "# dialect: runc-1.1\n")) {
    v.dialect = RuncDialect::kRunc11;
  } else if (absl::StartsWith(text, "# dialect: runc-1.2\n")) {
    v.dialect = RuncDialect::kRunc12;
  } else {
    ADD_FAILURE() << name << ".textproto lacks its \"# dialect:\" line";
    v.dialect = RuncDialect::kRunc11;
  }
  v.runc_default_layout =
      absl::StrContains(text, "\n# runc-default-layout: yes\n");
  EXPECT_TRUE(
      google::protobuf::TextFormat::ParseFromString(text, &v.expected))
      << name;
  return v;
}

TEST(NetlinkVectorsTest, ThereAreVectors) {
  EXPECT_GE(VectorNames().size(), kMinVectors) << testing::VectorDir();
}

TEST(NetlinkVectorsTest, DecodeToTheTextprotoAndEncodeToTheBytes) {
  for (const std::string& name : VectorNames()) {
    SCOPED_TRACE(name);
    const Vector v = LoadVector(name);

    absl::StatusOr<v1::BootstrapRequest> decoded =
        DecodeNetlink(v.bytes, v.dialect);
    ASSERT_THAT(decoded, IsOk());
    EXPECT_THAT(ValidateRequest(*decoded), IsOk());
    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(v.expected, *decoded)) << diff;

    // Re-encoding the decoded request, and encoding the expected one,
    // reproduce runc's bytes.
    absl::StatusOr<std::string> reencoded = EncodeNetlink(*decoded, v.dialect);
    ASSERT_THAT(reencoded, IsOk());
    EXPECT_EQ(absl::BytesToHexString(*reencoded),
              absl::BytesToHexString(v.bytes));
    absl::StatusOr<std::string> encoded = EncodeNetlink(v.expected, v.dialect);
    ASSERT_THAT(encoded, IsOk());
    EXPECT_EQ(*encoded, v.bytes);

    // A request built by hand (no layout) gets runc's own bytes.
    if (v.runc_default_layout) {
      v1::BootstrapRequest bare = v.expected;
      bare.clear_netlink_layout();
      absl::StatusOr<std::string> runc = EncodeNetlink(bare, v.dialect);
      ASSERT_THAT(runc, IsOk());
      EXPECT_EQ(absl::BytesToHexString(*runc),
                absl::BytesToHexString(v.bytes));
    }
  }
}

TEST(NetlinkVectorsTest, TheOtherDialectRejectsOrReadsTheSame) {
  // Only attribute 27290 differs between the dialects: a vector without it
  // decodes identically in both, one with it is rejected by the other.
  for (const std::string& name : VectorNames()) {
    SCOPED_TRACE(name);
    const Vector v = LoadVector(name);
    const RuncDialect other = v.dialect == RuncDialect::kRunc11
                                  ? RuncDialect::kRunc12
                                  : RuncDialect::kRunc11;
    absl::StatusOr<v1::BootstrapRequest> decoded =
        DecodeNetlink(v.bytes, other);
    const bool has_27290 =
        std::count(v.expected.netlink_layout().attribute_order().begin(),
                   v.expected.netlink_layout().attribute_order().end(),
                   uint32_t{kMountSourcesAttr}) > 0;
    if (has_27290) {
      EXPECT_FALSE(decoded.ok());
    } else {
      ASSERT_THAT(decoded, IsOk());
      EXPECT_TRUE(MessageDifferencer::Equals(v.expected, *decoded));
    }
  }
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
