#!/usr/bin/env bash
# The documented foreign link lines work, and libnsboot.a is self-contained:
# - the archive needs libc only (no libstdc++, libgcc's unwinder, abseil or
#   protobuf symbol is left undefined) and exports the C ABI only;
# - a C program built by plain gcc against it, with no C++ library on the
#   line, runs, inert without an init pipe; --undefined=nsboot_constructor_anchor
#   keeps the constructor;
# - a C++ program with its own operator new and std::string links it too
#   (nothing of the hook's private copy of the C++ runtime clashes with the
#   program's) and its operator new is not the one the hook uses;
# - no start-up work comes with it: no protobuf, no iostreams initializer,
#   no libstdc++ emergency exception pool.
set -euo pipefail
archive="$1"
linkopts="$2"
static_linkopts="$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "link_test: $*" >&2; exit 1; }
sanitized=0
grep -q -- '-fsanitize' "$linkopts" && sanitized=1

# The archive itself.
[ "$(ar t "$archive" | tr '\n' ' ')" = "nsboot_hook.o nsboot_constructor.o " ] ||
  fail "unexpected members: $(ar t "$archive" | tr '\n' ' ')"
cxx=$(nm -u "$archive" | awk '{print $2}' | grep -E '^(_Z|__cxa|__gxx|_Unwind)' || true)
[ -z "$cxx" ] || fail "the archive needs the C++ runtime: $cxx"
# (AddressSanitizer adds an ODR indicator, __odr_asan.NAME, per global.)
exported=$(nm -g --defined-only "$archive" | awk 'NF == 3 {print $3}' |
           grep -v '^__odr_asan\.' | sort | tr '\n' ' ')
[ "$exported" = "nsboot_constructor_anchor nsboot_premain nsboot_runc_dialect nsboot_seal_in_place nsboot_seal_method nsboot_version " ] ||
  fail "the archive exports more (or less) than the C ABI: $exported"
if [ "$sanitized" = 0 ] && [ -n "$(tr -d '[:space:]' < "$linkopts")" ]; then
  fail "libnsboot.linkopts is not empty: $(cat "$linkopts")"
fi
cmp -s "$linkopts" "$static_linkopts" || fail "libnsboot.static.linkopts differs"

cat > "$tmp/host.c" <<'C'
#include <stdio.h>
#include "nsboot/nsboot.h"
int main(void) {
  printf("%s; second call -> %d\n", nsboot_version(), nsboot_premain(0, 0, 0));
  return 0;
}
C
cat > "$tmp/host.cc" <<'CC'
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include "nsboot/nsboot.h"
static int g_news = 0;
void* operator new(std::size_t n) { ++g_news; return std::malloc(n ? n : 1); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
int main() {
  const int before = g_news;  // the hook ran (inert) before main()
  std::string s(100, 'x');    // heap: through this program's operator new
  std::printf("%s; second call -> %d\n", nsboot_version(),
              nsboot_premain(0, 0, 0));
  return before == 0 && g_news == 1 && s.size() == 100 ? 0 : 3;
}
CC
gcc -I embed/include -c "$tmp/host.c" -o "$tmp/host.o"
g++ -I embed/include -c "$tmp/host.cc" -o "$tmp/hostxx.o"
# The recommended line: the archive and its (empty) linkopts, nothing else.
gcc "$tmp/host.o" -Wl,--undefined=nsboot_constructor_anchor "$archive" \
    $(cat "$linkopts") -o "$tmp/host"
# The line of sessions 1-4 still works.
gcc "$tmp/host.o" -Wl,--undefined=nsboot_constructor_anchor "$archive" \
    $(cat "$static_linkopts") -o "$tmp/host-static"
# Without the anchor: the program calls nsboot_premain itself.
gcc "$tmp/host.o" "$archive" $(cat "$linkopts") -o "$tmp/host-noctor"
g++ "$tmp/hostxx.o" -Wl,--undefined=nsboot_constructor_anchor "$archive" \
    $(cat "$linkopts") -o "$tmp/host-cxx"
for host in "$tmp/host" "$tmp/host-static" "$tmp/host-noctor" "$tmp/host-cxx"; do
  out=$(env -u NSBOOT_INITPIPE -u _LIBCONTAINER_INITPIPE "$host") ||
    fail "$(basename "$host") exited $?"
  echo "$(basename "$host"): $out"
  [ "$out" = "nsboot 0.1.0; schema versions 1, 2; second call -> 0" ] ||
    fail "$(basename "$host") printed: $out"
  nm "$host" | grep ' T nsboot_premain$' > /dev/null || fail "no nsboot_premain"
  if nm -C "$host" | grep -E 'google::protobuf|nsboot::v1::(BootstrapRequest|BootstrapReply)::' | head -5 | grep .; then
    fail "$(basename "$host") links protobuf code"
  fi
  # Nor a std::ios_base::Init (every start would build libstdc++'s standard
  # streams and locale), nor the emergency exception pool (a 73 KB malloc
  # at every start), nor the unwinder.
  if nm -C "$host" | grep -E 'std::ios_base::Init::Init\(\)|__gnu_cxx::__freeres|_Unwind_RaiseException'; then
    [ "$sanitized" = 1 ] || [ "$host" = "$tmp/host-cxx" ] ||
      fail "$(basename "$host") links libstdc++'s start-up work"
  fi
done
# The constructor member comes with the anchor only.
nm "$tmp/host" | grep ' R nsboot_constructor_anchor$' > /dev/null || fail "no constructor"
! nm "$tmp/host-noctor" | grep nsboot_constructor_anchor > /dev/null ||
  fail "the constructor was linked without its anchor"
# A C host loads no C++ library (under --config=asan the sanitizer runtimes
# bring libstdc++ in).
if [ "$sanitized" = 0 ] && ldd "$tmp/host" | grep -E 'libprotobuf|libabsl|libstdc\+\+|libgcc_s'; then
  fail "the C host loads C++ libraries"
fi
echo "link_test: ok ($(ldd "$tmp/host" | wc -l) shared objects for the C host; text $(size "$tmp/host" | awk 'NR == 2 {print $1}') bytes)"
