// The plain enum names agree with the generated ones for every value.
#include "proto/nsboot/v1/plain.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace v1 {
namespace {

template <typename Enum>
void ExpectSameNames(const google::protobuf::EnumDescriptor* descriptor) {
  for (int value = -3; value < 80; ++value) {
    const auto* v = descriptor->FindValueByNumber(value);
    const char* name = plain::EnumName(static_cast<Enum>(value));
    if (v == nullptr) {
      EXPECT_EQ(name, nullptr) << descriptor->name() << " " << value;
      EXPECT_FALSE(plain::IsDeclared(static_cast<Enum>(value)));
    } else {
      ASSERT_NE(name, nullptr) << descriptor->name() << " " << value;
      EXPECT_EQ(std::string(name), v->name());
      EXPECT_TRUE(plain::IsDeclared(static_cast<Enum>(value)));
    }
  }
  // Every declared value is within the probed range.
  for (int i = 0; i < descriptor->value_count(); ++i) {
    EXPECT_LT(descriptor->value(i)->number(), 80);
  }
}

TEST(PlainTest, EnumNamesMatchTheGeneratedOnes) {
  ExpectSameNames<Namespace>(Namespace_descriptor());
  ExpectSameNames<SetgroupsPolicy>(SetgroupsPolicy_descriptor());
  ExpectSameNames<TimeClock>(TimeClock_descriptor());
  ExpectSameNames<LogLevel>(LogLevel_descriptor());
  ExpectSameNames<Stage>(Stage_descriptor());
  ExpectSameNames<Step>(Step_descriptor());
}

// gcc 12 at -O1 with the sanitizers (--config=asan) takes the disengaged
// absl::optional's storage for a read of uninitialized memory here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
TEST(PlainTest, OptionsDefault) {
  plain::BootstrapRequest request;
  EXPECT_FALSE(request.options_or_default().seal_exe);
  plain::Options options;
  options.seal_exe = true;
  request.options = options;
  EXPECT_TRUE(request.options_or_default().seal_exe);
}
#pragma GCC diagnostic pop

}  // namespace
}  // namespace v1
}  // namespace nsboot
