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
// These abort directly. Stage 0 dies with SIGABRT and the parent reads EOF
// on the init pipe, the same as for any crash of a stage.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

#include "absl/base/config.h"
#include "absl/base/internal/throw_delegate.h"

// std::string's members and, unoptimized, std::allocator<char>'s, where
// the hook's code can see them.
template class std::allocator<char>;
template class std::basic_string<char>;

namespace {

[[noreturn]] void OutOfMemory() { std::abort(); }

void* Allocate(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) OutOfMemory();
  return p;
}

}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

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
