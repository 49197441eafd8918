// nsboot::StrCat, StrAppend, StrJoin and CHexEscape: the string building of
// the pre-main path, without abseil's strings library. absl::StrCat's
// number formatting lives in the object that also holds SimpleAtod, which
// pulls in absl's charconv and its std::ios_base::Init static initializer
// (common/status.h says why that matters). Same names and behavior for the
// argument types nsboot uses: string-likes and integers (enums as their
// integer value). Not for floating point.
#ifndef NSBOOT_COMMON_STR_CAT_H_
#define NSBOOT_COMMON_STR_CAT_H_

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/string_view.h"

namespace nsboot {
namespace str_cat_internal {

template <typename T, bool = std::is_enum<T>::value>
struct AsInteger {
  using type = T;
};
template <typename T>
struct AsInteger<T, true> {
  using type = std::underlying_type_t<T>;
};

// One argument as text. Holds the digits of a number itself, so it is
// neither copyable nor movable; StrCat builds them in place.
class Piece {
 public:
  Piece(absl::string_view s) : view_(s) {}   // NOLINT
  Piece(const std::string& s) : view_(s) {}  // NOLINT
  Piece(const char* s) : view_(s) {}         // NOLINT
  template <typename T, std::enable_if_t<(std::is_integral<T>::value &&
                                          !std::is_same<T, bool>::value &&
                                          !std::is_same<T, char>::value) ||
                                             std::is_enum<T>::value,
                                         int> = 0>
  Piece(T value) {  // NOLINT
    using Int = typename AsInteger<T>::type;
    auto result = std::to_chars(digits_, digits_ + sizeof(digits_),
                                static_cast<Int>(value));
    view_ = absl::string_view(digits_, result.ptr - digits_);
  }
  Piece(const Piece&) = delete;
  Piece& operator=(const Piece&) = delete;

  absl::string_view view() const { return view_; }

 private:
  char digits_[24];
  absl::string_view view_;
};

void Append(std::string* out, const Piece* pieces, size_t count);

}  // namespace str_cat_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  if constexpr (sizeof...(Args) > 0) {
    const str_cat_internal::Piece pieces[] = {args...};
    str_cat_internal::Append(&out, pieces, sizeof...(Args));
  }
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  if constexpr (sizeof...(Args) > 0) {
    const str_cat_internal::Piece pieces[] = {args...};
    str_cat_internal::Append(out, pieces, sizeof...(Args));
  }
}

// The elements of `range` (strings or integers) with `separator` between.
template <typename Range>
std::string StrJoin(const Range& range, absl::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& element : range) {
    if (!first) out.append(separator.data(), separator.size());
    first = false;
    StrAppend(&out, element);
  }
  return out;
}

// The first `c` in `s` at or after `pos`, or absl::string_view::npos: what
// s.find(c, pos) returns. absl::string_view's find() is out of line, in an
// object that also defines operator<< and so links std::ostream and
// libstdc++'s locale into the host; std::string_view's is inline.
inline size_t FindChar(absl::string_view s, char c, size_t pos = 0) {
  return std::string_view(s.data(), s.size()).find(c, pos);
}

// C-style escapes, as absl::CEscape: \n \r \t \" \' \\ and octal \ooo for
// other bytes outside 0x20..0x7e.
std::string CEscape(absl::string_view bytes);
// The same with \xhh for those bytes, as absl::CHexEscape.
std::string CHexEscape(absl::string_view bytes);

}  // namespace nsboot

#endif  // NSBOOT_COMMON_STR_CAT_H_
