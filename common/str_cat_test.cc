// nsboot::StrCat and the escapes give what abseil's give.
#include "common/str_cat.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace {

enum Plain { kSeven = 7 };
enum class Scoped : int { kMinusTwo = -2 };

TEST(StrCatTest, SameAsAbsl) {
  const std::string s = "str";
  EXPECT_EQ(StrCat(), "");
  EXPECT_EQ(StrCat("a", s, absl::string_view("bc"), 1, -2, 3u, int64_t{-4},
                   std::numeric_limits<int64_t>::min(),
                   std::numeric_limits<uint64_t>::max(), uint8_t{255},
                   int16_t{-300}, size_t{12}),
            absl::StrCat("a", s, absl::string_view("bc"), 1, -2, 3u,
                         int64_t{-4}, std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<uint64_t>::max(), uint8_t{255},
                         int16_t{-300}, size_t{12}));
  EXPECT_EQ(StrCat(kSeven, Scoped::kMinusTwo), "7-2");
  std::string out = "x";
  StrAppend(&out, "y", 42);
  EXPECT_EQ(out, "xy42");
  const std::vector<uint32_t> numbers = {1, 22, 333};
  EXPECT_EQ(StrJoin(numbers, ", "), absl::StrJoin(numbers, ", "));
  const std::vector<std::string> words = {"a", "", "c"};
  EXPECT_EQ(StrJoin(words, "/"), absl::StrJoin(words, "/"));
}

TEST(StrCatTest, EscapesSameAsAbsl) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(CEscape(all), absl::CEscape(all));
  EXPECT_EQ(CHexEscape(all), absl::CHexEscape(all));
  // A hex digit right after a \x escape.
  const std::string tricky(
      "\x01"
      "a\xff"
      "F9\x7f"
      "0",
      7);
  EXPECT_EQ(CHexEscape(tricky), absl::CHexEscape(tricky));
  EXPECT_EQ(CEscape(tricky), absl::CEscape(tricky));
}

}  // namespace
}  // namespace nsboot
