// NSBOOT_FUZZ_CHECK: an always-on property assertion for fuzz targets.
// Unlike assert(), it stays in optimized and NDEBUG builds, so a property a
// target claims to check is checked in every build that runs it.
#ifndef NSBOOT_FUZZ_CHECK_H_
#define NSBOOT_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define NSBOOT_FUZZ_CHECK(cond)                                            \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__,  \
                   __LINE__, #cond);                                       \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

// Same, with a message (printf-style) to say what differed.
#define NSBOOT_FUZZ_CHECK_MSG(cond, ...)                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s: ", __FILE__,  \
                   __LINE__, #cond);                                       \
      std::fprintf(stderr, __VA_ARGS__);                                   \
      std::fputc('\n', stderr);                                            \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

#endif  // NSBOOT_FUZZ_CHECK_H_
