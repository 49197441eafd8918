#!/usr/bin/env bash
# The documented foreign link line works: a C program built by plain gcc
# (not Bazel) against libnsboot.a runs, inert without an init pipe, and the
# constructor is kept by --undefined=nsboot_constructor_anchor. And the hook
# brings no protobuf: not a symbol of it, not its shared library, not one
# static initializer (that is what made every start of a host 0.3-0.6 ms
# slower, docs/BENCHMARKS.md).
set -euo pipefail
archive="$1"
linkopts="$2"
static_linkopts="$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
cat > "$tmp/host.c" <<'C'
#include <stdio.h>
#include "nsboot/nsboot.h"
int main(void) {
  printf("%s; second call -> %d\n", nsboot_version(), nsboot_premain(0, 0, 0));
  return 0;
}
C
gcc -I embed/include -c "$tmp/host.c" -o "$tmp/host.o"
# The recommended line: C++ dependencies static, nothing more to load.
gcc "$tmp/host.o" -Wl,--undefined=nsboot_constructor_anchor "$archive" \
    $(cat "$static_linkopts") -o "$tmp/host-static"
# The shared-library line.
g++ "$tmp/host.o" -Wl,--undefined=nsboot_constructor_anchor "$archive" \
    $(cat "$linkopts") -lstdc++ -o "$tmp/host"
for host in "$tmp/host-static" "$tmp/host"; do
  out=$(env -u NSBOOT_INITPIPE -u _LIBCONTAINER_INITPIPE "$host")
  echo "$(basename "$host"): $out"
  [ "$out" = "nsboot 0.1.0; schema versions 1, 2; second call -> 0" ]
  nm "$host" | grep ' T nsboot_premain$' > /dev/null
  # The constructor is linked (its anchor), and protobuf is not.
  nm "$host" | grep ' R nsboot_constructor_anchor$' > /dev/null
  if nm -C "$host" | grep -E 'google::protobuf|nsboot::v1::(BootstrapRequest|BootstrapReply)::' | head -5 | grep .; then
    echo "link_test: $(basename "$host") links protobuf code" >&2
    exit 1
  fi
  # Nor a std::ios_base::Init: one would make every start build libstdc++'s
  # standard streams and locale (common/status.h says where they came from).
  if nm -C "$host" | grep 'std::ios_base::Init::Init()'; then
    echo "link_test: $(basename "$host") initializes iostreams at start-up" >&2
    exit 1
  fi
done
# Under --config=asan the sanitizer runtimes bring libstdc++ back in.
cxx_libs='libprotobuf|libabsl|libstdc\+\+|libgcc_s'
grep -q -- '-fsanitize' "$linkopts" && cxx_libs='libprotobuf|libabsl'
if ldd "$tmp/host-static" | grep -E "$cxx_libs"; then
  echo "link_test: the static line still loads C++ libraries" >&2
  exit 1
fi
if ldd "$tmp/host" | grep libprotobuf; then
  echo "link_test: the shared line loads libprotobuf" >&2
  exit 1
fi
echo "link_test: ok ($(ldd "$tmp/host-static" | wc -l) vs $(ldd "$tmp/host" | wc -l) shared objects)"
