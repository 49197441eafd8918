// The hook bundle's private C++ runtime (embed/private_runtime.cc): what the
// hook's code sees of it.
#ifndef NSBOOT_EMBED_PRIVATE_RUNTIME_H_
#define NSBOOT_EMBED_PRIVATE_RUNTIME_H_

#include <cstddef>

namespace nsboot {
namespace embed {

// In the bundle (//embed:libnsboot), operator new takes the hook's memory
// from anonymous mappings of its own, up to this many bytes in all; past it
// the process aborts, as it did when malloc failed. Security: it bounds what
// a hostile request can make a stage map. Measured in session 5: a typical
// request takes ~5 KB, one with 200 uid and 200 gid map lines ~240 KB.
inline constexpr std::size_t kMaxHookMemory = std::size_t{64} << 20;

}  // namespace embed
}  // namespace nsboot

// Unmaps all of the hook's memory. Call it only when no object the hook
// allocated is alive any more: the final process calls it on its way into
// main(). Weak: defined in the bundle only. Everywhere else (the tests'
// hosts, which use libstdc++'s operator new) it is null and not called.
extern "C" void nsboot_release_hook_memory(void) __attribute__((weak));

#endif  // NSBOOT_EMBED_PRIVATE_RUNTIME_H_
