#!/usr/bin/env bash
# Builds embed/testing/bundle_host.c against libnsboot.a with plain gcc (the
# archive and its linkopts, nothing else) and runs embed/bundle_test.py on
# it with Debian's python3 and the example Python parent.
set -euo pipefail
archive=$(realpath "$1") linkopts=$(realpath "$2")
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
gcc -O2 -I embed/include -o "$tmp/bundle_host" embed/testing/bundle_host.c \
    -Wl,--undefined=nsboot_constructor_anchor "$archive" $(cat "$linkopts")
export HOME="${TEST_TMPDIR:-$tmp}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="${PWD}/examples/parents/python"
exec /usr/bin/python3 embed/bundle_test.py "$tmp/bundle_host"
