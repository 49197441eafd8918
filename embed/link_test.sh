#!/usr/bin/env bash
# The documented foreign link line works: a C program built by plain gcc
# (not Bazel) against libnsboot.a runs, inert without an init pipe, and the
# constructor is kept by --whole-archive.
set -euo pipefail
archive="$1"
linkopts="$2"
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
g++ "$tmp/host.o" -Wl,--whole-archive "$archive" -Wl,--no-whole-archive \
    $(cat "$linkopts") -o "$tmp/host"
out=$(env -u NSBOOT_INITPIPE -u _LIBCONTAINER_INITPIPE "$tmp/host")
echo "$out"
[ "$out" = "nsboot 0.1.0; schema versions 1; second call -> 0" ]
nm "$tmp/host" | grep -q ' T nsboot_premain$'
echo "link_test: ok"
