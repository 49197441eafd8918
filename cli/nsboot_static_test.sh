#!/usr/bin/env bash
# The static release binary works and loads no C++ shared library (it is
# static-pie, except under the sanitizers).
set -euo pipefail
nsboot="$1"
"$nsboot" --version | grep "^schema versions: 1, 2$" > /dev/null
ldd "$nsboot" > "${TEST_TMPDIR:-/tmp}/ldd.txt"
cxx_libs='libprotobuf|libabsl|libstdc\+\+'
# Under --config=asan the sanitizer runtimes bring libstdc++ back in.
ldd "$nsboot" | grep libasan > /dev/null && cxx_libs='libprotobuf|libabsl'
if grep -E "$cxx_libs" "${TEST_TMPDIR:-/tmp}/ldd.txt"; then
  echo "nsboot_static_test: loads C++ shared libraries" >&2
  exit 1
fi
# Its start-up relocations are packed (DT_RELR, cli/BUILD.bazel).
if ! readelf -d "$nsboot" | grep -q "(RELR)"; then
  echo "nsboot_static_test: no DT_RELR: linked without -z pack-relative-relocs" >&2
  exit 1
fi
# nsboot leaves through _exit once it has flushed its output: the output
# must be whole through a pipe, and a failed write must be reported.
"$nsboot" --help | tail -n 1 | grep -q "for each command$" || {
  echo "nsboot_static_test: --help output cut short" >&2; exit 1; }
status=0
"$nsboot" --version > /dev/full 2> "${TEST_TMPDIR:-/tmp}/full.txt" || status=$?
if [ "$status" != 74 ] ||
   ! grep -q "^nsboot: writing standard output: " "${TEST_TMPDIR:-/tmp}/full.txt"; then
  echo "nsboot_static_test: --version > /dev/full: status $status," \
       "stderr: $(cat "${TEST_TMPDIR:-/tmp}/full.txt")" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  json=$("$nsboot" run --json -- /bin/true 2>&1 >/dev/null)
  case "$json" in
    '{"stage1_pid":'*'}') ;;
    *) echo "nsboot_static_test: run --json printed: $json" >&2; exit 1 ;;
  esac
  out=$("$nsboot" run -- /bin/sh -c 'echo $$; id -u')
  [ "$out" = "$(printf '1\n0')" ] || { echo "unexpected: $out" >&2; exit 1; }
  "$nsboot" run -- /bin/sh -c 'exit 9' && exit 1 || [ $? = 9 ]
else
  echo "nsboot_static_test: not root, skipping the run checks"
fi
echo "nsboot_static_test: ok ($(wc -l < "${TEST_TMPDIR:-/tmp}/ldd.txt") shared objects)"
