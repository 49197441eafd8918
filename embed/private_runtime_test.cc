// The bundle's arena allocator (embed/private_runtime.cc), linked here the
// way C++ allows: this test program's operator new is the arena's, for gtest
// too (so the release is tested in child processes only). Under
// AddressSanitizer the sanitizer's operator new is the one linked, and the
// arena's own tests skip. Each arena test fails with malloc's behavior:
// freed blocks reused, no cap, memory still there after the release.
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cstddef>
#include <new>
#include <string>
#include <vector>

#include "embed/private_runtime.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace embed {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() \
  GTEST_SKIP() << "AddressSanitizer build: the runtime allocates with malloc"
#else
#define SKIP_UNDER_ASAN() (void)0
#endif

TEST(PrivateRuntimeTest, BlocksAreAlignedDistinctAndWritable) {
  std::vector<void*> blocks;
  for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17},
                   size_t{4000}, size_t{70000}}) {
    void* p = ::operator new(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << n;
    memset(p, 0xa5, n);
    blocks.push_back(p);
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    for (size_t j = i + 1; j < blocks.size(); ++j) {
      EXPECT_NE(blocks[i], blocks[j]);
    }
  }
  for (void* p : blocks) ::operator delete(p);
}

TEST(PrivateRuntimeTest, TheMostRecentBlockIsGivenBack) {
  SKIP_UNDER_ASAN();
  void* a = ::operator new(100);
  ::operator delete(a);
  void* b = ::operator new(100);
  EXPECT_EQ(a, b);
  void* c = ::operator new(100);
  ::operator delete(b);  // not the most recent: stays used
  void* d = ::operator new(100);
  EXPECT_NE(d, b);
  EXPECT_NE(d, c);
  ::operator delete(c);
  ::operator delete(d);
}

TEST(PrivateRuntimeTest, ContainersWork) {
  std::string s;
  for (int i = 0; i < 10000; ++i) s += static_cast<char>('a' + i % 26);
  EXPECT_EQ(s.size(), 10000u);
  EXPECT_EQ(s[9999], 'a' + 9999 % 26);
  std::vector<std::string> v(300, std::string(200, 'x'));
  EXPECT_EQ(v[299], std::string(200, 'x'));
}

TEST(PrivateRuntimeDeathTest, PastTheCapAborts) {
  SKIP_UNDER_ASAN();
  EXPECT_DEATH(static_cast<void>(::operator new(kMaxHookMemory + 1)), "");
  // The cap is on the total mapped, not on one block.
  EXPECT_DEATH(
      {
        for (int i = 0; i < 5; ++i) {
          static_cast<void>(::operator new(kMaxHookMemory / 4));
        }
      },
      "");
}

TEST(PrivateRuntimeDeathTest, ReleaseUnmapsEverything) {
  SKIP_UNDER_ASAN();
  ASSERT_NE(nsboot_release_hook_memory, nullptr);
  EXPECT_DEATH(
      {
        volatile char* p = static_cast<char*>(::operator new(64));
        p[0] = 1;
        nsboot_release_hook_memory();
        p[0] = 2;  // unmapped: SIGSEGV
      },
      "");
  // Then the next allocation maps anew. (In a child: this process's gtest
  // lives in the arena too, and a release here would unmap it.)
  EXPECT_EXIT(
      {
        nsboot_release_hook_memory();
        char* q = static_cast<char*>(::operator new(100));
        q[99] = 1;
        _exit(q[99] == 1 ? 7 : 8);
      },
      ::testing::ExitedWithCode(7), "");
}

}  // namespace
}  // namespace embed
}  // namespace nsboot
