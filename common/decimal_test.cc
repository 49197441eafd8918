#include "common/decimal.h"

#include <climits>
#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace nsboot {
namespace {

// The value and what follows it, or "none".
std::string Parse(const char* s, uint64_t max) {
  const char* end = nullptr;
  uint64_t value = 12345;
  if (!ParseCanonicalDecimal(s, max, &end, &value)) {
    EXPECT_EQ(end, nullptr) << "end set on failure";
    EXPECT_EQ(value, 12345u) << "value set on failure";
    return "none";
  }
  return std::to_string(value) + "|" + end;
}

TEST(ParseCanonicalDecimalTest, Canonical) {
  EXPECT_EQ(Parse("0", 100), "0|");
  EXPECT_EQ(Parse("7", 100), "7|");
  EXPECT_EQ(Parse("42,3", 100), "42|,3");
  EXPECT_EQ(Parse("100]", 100), "100|]");
  EXPECT_EQ(Parse("0x1", 100), "0|x1");
}

TEST(ParseCanonicalDecimalTest, NotCanonical) {
  for (const char* s : {"", "-1", "+1", " 1", "01", "00", "x"}) {
    EXPECT_EQ(Parse(s, 100), "none") << '"' << s << '"';
  }
}

TEST(ParseCanonicalDecimalTest, Bounds) {
  EXPECT_EQ(Parse("101", 100), "none");
  EXPECT_EQ(Parse("2147483646", INT_MAX - 1), "2147483646|");
  EXPECT_EQ(Parse("2147483647", INT_MAX - 1), "none");
  EXPECT_EQ(Parse("2147483647", INT32_MAX), "2147483647|");
  EXPECT_EQ(Parse("2147483648", INT32_MAX), "none");
  EXPECT_EQ(Parse("18446744073709551615", UINT64_MAX), "18446744073709551615|");
  // Past 2^64: caught before the multiplication wraps.
  EXPECT_EQ(Parse("18446744073709551616", UINT64_MAX), "none");
  EXPECT_EQ(Parse("99999999999999999999999", UINT64_MAX), "none");
}

}  // namespace
}  // namespace nsboot
