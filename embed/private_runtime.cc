// The parts of the C++ runtime that the hook's code needs, for the hook
// bundle (//embed:libnsboot, embed/hook_bundle.bzl) and nothing else. Never
// link this into a program that also links libstdc++: it defines
// operator new and std::__throw_*, which belong to libstdc++. The bundle
// links it into its one relocatable object and then makes every symbol but
// the C ABI local, so a host's own definitions never meet these.
//
// Why: with libstdc++'s library linked, every start of a host paid for
// libstdc++'s emergency exception pool (a 73 KB malloc, the heap's first in
// a C host), its unwinder and a 600 KB image, whether or not the hook ran
// (docs/BENCHMARKS.md). The bundle is compiled with -fno-exceptions and
// -fno-rtti, so what the hook's code still calls from libstdc++ is what is
// below: the allocation functions, the throw helpers of the containers,
// and std::string's members (an explicit instantiation declaration in
// <string> keeps them out of the code that uses them).
//
// Every failure here was already fatal before the bundle: the exception it
// threw had no handler in the hook, so std::terminate aborted the process.
// These abort directly (so does running out of the hook's memory). Stage 0
// dies with SIGABRT and the parent reads EOF on the init pipe, the same as
// for any crash of a stage.
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

#include "absl/base/config.h"
#include "absl/base/internal/throw_delegate.h"
#include "embed/private_runtime.h"

// std::string's members and, unoptimized, std::allocator<char>'s, where
// the hook's code can see them.
template class std::allocator<char>;
template class std::basic_string<char>;

namespace {

[[noreturn]] void OutOfMemory() { std::abort(); }

#if defined(__SANITIZE_ADDRESS__)

// Under AddressSanitizer the hook's blocks stay in the sanitizer's heap,
// where it checks them.
void* Allocate(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) OutOfMemory();
  return p;
}
void Deallocate(void* p) { std::free(p); }
void ReleaseAll() {}

#else

// The hook's memory is an arena of its own: anonymous mappings, never the
// program's heap. Stage 0 never initializes malloc, and the final process
// gives everything back with one munmap per chunk before main() instead of
// a free() per block: each free() there wrote to heap pages that fork had
// shared with stage 0 (a copy-on-write fault per page) and bound free()
// lazily (the loader's symbol lookup, ~10 page faults in a process whose
// page tables lack the loader's text). Measured, docs/BENCHMARKS.md
// (session 5). Blocks are not reused, but the most recent one, which
// growing strings and vectors give back at once: a typical request takes
// ~5 KB of the first 64 KB chunk.
//
// mmap and munmap go through syscall(), which stage 0 binds before the
// clone: a first call of munmap() in the final process would be a lazy
// binding there.
struct Chunk {
  Chunk* next;
  std::size_t size;
};
constexpr std::size_t kAlign = 16;
constexpr std::size_t kChunkHeader = (sizeof(Chunk) + kAlign - 1) & ~(kAlign - 1);
constexpr std::size_t kChunkSize = 64 << 10;

Chunk* g_chunks = nullptr;
char* g_next = nullptr;
char* g_end = nullptr;
void* g_last = nullptr;  // the most recent block: delete gives it back
std::size_t g_mapped = 0;

void MapChunk(std::size_t n) {
  // Security: n comes from the sizes of decoded request fields. The cap
  // bounds what a hostile request can make the hook map, whatever the sum
  // of the decoder's own limits (codec/limits.h) would allow.
  if (n > nsboot::embed::kMaxHookMemory - kChunkHeader) OutOfMemory();
  const std::size_t page = 4096;
  std::size_t size = (n + kChunkHeader + page - 1) & ~(page - 1);
  if (size < kChunkSize) size = kChunkSize;
  if (size > nsboot::embed::kMaxHookMemory - g_mapped) OutOfMemory();
  const long m = syscall(SYS_mmap, nullptr, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == -1) OutOfMemory();  // syscall() returns -1 and sets errno
  Chunk* chunk = reinterpret_cast<Chunk*>(m);
  chunk->next = g_chunks;
  chunk->size = size;
  g_chunks = chunk;
  g_mapped += size;
  g_next = reinterpret_cast<char*>(chunk) + kChunkHeader;
  g_end = reinterpret_cast<char*>(chunk) + size;
}

void* Allocate(std::size_t n) {
  if (n > nsboot::embed::kMaxHookMemory) OutOfMemory();
  n = n == 0 ? kAlign : (n + kAlign - 1) & ~(kAlign - 1);
  if (n > static_cast<std::size_t>(g_end - g_next)) MapChunk(n);
  void* p = g_next;
  g_next += n;
  g_last = p;
  return p;
}

void Deallocate(void* p) {
  if (p != nullptr && p == g_last) {
    g_next = static_cast<char*>(p);
    g_last = nullptr;
  }
}

void ReleaseAll() {
  while (g_chunks != nullptr) {
    Chunk* chunk = g_chunks;
    g_chunks = chunk->next;
    syscall(SYS_munmap, chunk, chunk->size);
  }
  g_next = g_end = nullptr;
  g_last = nullptr;
  g_mapped = 0;
}

#endif

}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void operator delete(void* p) noexcept { Deallocate(p); }
void operator delete[](void* p) noexcept { Deallocate(p); }
void operator delete(void* p, std::size_t) noexcept { Deallocate(p); }
void operator delete[](void* p, std::size_t) noexcept { Deallocate(p); }

extern "C" void nsboot_release_hook_memory(void) { ReleaseAll(); }

namespace std {

void __throw_bad_alloc() { abort(); }
void __throw_bad_array_new_length() { abort(); }
void __throw_bad_function_call() { abort(); }
void __throw_length_error(const char*) { abort(); }
void __throw_logic_error(const char*) { abort(); }
void __throw_out_of_range(const char*) { abort(); }
void __throw_out_of_range_fmt(const char*, ...) { abort(); }
void __throw_invalid_argument(const char*) { abort(); }

}  // namespace std

// A call through a pure virtual function (a bug): what libsupc++ does,
// without its message.
extern "C" void __cxa_pure_virtual() { std::abort(); }

// absl::string_view::substr's and at()'s out-of-range throw.
namespace absl {
ABSL_NAMESPACE_BEGIN
namespace base_internal {

void ThrowStdOutOfRange(const char*) { std::abort(); }

}  // namespace base_internal
ABSL_NAMESPACE_END
}  // namespace absl
