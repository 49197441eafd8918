// Canonical decimal numbers in text from a pipe, the environment or /proc:
// digits only (no sign, no spaces), no leading zero but in "0" itself.
// Header-only and allocation-free: it runs before main().
#ifndef NSBOOT_COMMON_DECIMAL_H_
#define NSBOOT_COMMON_DECIMAL_H_

#include <cstdint>

namespace nsboot {

// Parses the canonical decimal number at `s` if it is at most `max` (which
// must be at least 9). On success sets `*out`, and `*end` to the first byte
// after the digits, and returns true. Returns false, leaving both alone, when
// `s` does not start with a digit, has a leading zero or the number exceeds
// `max`. Reads no further than the first non-digit, so a NUL-terminated `s`
// is read within its bounds.
inline bool ParseCanonicalDecimal(const char* s, uint64_t max,
                                  const char** end, uint64_t* out) {
  if (*s < '0' || *s > '9') return false;
  if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') return false;
  uint64_t value = 0;
  for (; *s >= '0' && *s <= '9'; ++s) {
    const uint64_t digit = static_cast<uint64_t>(*s - '0');
    if (value > (max - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *end = s;
  *out = value;
  return true;
}

}  // namespace nsboot

#endif  // NSBOOT_COMMON_DECIMAL_H_
