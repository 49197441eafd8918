#!/usr/bin/env bash
# Turns libnsboot.linkopts (shared-library link flags, one per line) into
# flags that link nsboot's C++ dependencies statically:
#
#   embed/static_linkopts.sh LINKOPTS > STATIC_LINKOPTS   (one flag per line)
#
# Why: with protobuf, abseil and libstdc++ shared, a host loads ~35 extra
# shared libraries at every start (4-7 ms of dynamic loading measured,
# docs/BENCHMARKS.md) even when the hook stays inert; runc pays it at every
# exec. The static closure of a -lNAME is libNAME.a plus, recursively, the
# archives of the DT_NEEDED entries of libNAME.so (shared libraries carry
# their dependencies; archives do not). libc, libm, libpthread, librt, libdl,
# libutil and libresolv stay shared; libgcc_s becomes -static-libgcc. Flags
# other than -l pass through unchanged (e.g. -fsanitize=... under
# --config=asan).
set -euo pipefail
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 LINKOPTS" >&2; exit 2; }
is_system() {
  case "$1" in c|m|pthread|rt|dl|gcc_s|util|resolv) return 0 ;; esac
  return 1
}
archives=() system=() seen=" "
queue=()
while read -r opt; do
  case "$opt" in
    -l*) queue+=("${opt#-l}") ;;
    "") ;;
    *) system+=("$opt") ;;
  esac
done < "$1"
queue+=(stdc++)
while [ ${#queue[@]} -gt 0 ]; do
  name=${queue[0]}
  queue=("${queue[@]:1}")
  case "$seen" in *" $name "*) continue ;; esac
  seen="$seen$name "
  if [ "$name" = gcc_s ]; then
    # The unwinder from libgcc_eh.a instead of libgcc_s.so.1: loading that
    # library and running its constructor (CPU feature probing with cpuid,
    # a VM exit each under virtualization) cost every start of a host
    # ~90 us (docs/BENCHMARKS.md). The hook's C++ code and libstdc++ are in
    # the executable itself, so their exceptions never cross a shared object.
    system+=("-static-libgcc")
    continue
  fi
  if is_system "$name"; then
    system+=("-l$name")
    continue
  fi
  a=$(gcc -print-file-name="lib$name.a")
  if [ "$a" = "lib$name.a" ]; then
    echo "static_linkopts.sh: no lib$name.a for a static link" >&2
    exit 1
  fi
  archives+=("-l:lib$name.a")
  so=$(gcc -print-file-name="lib$name.so")
  [ "$so" != "lib$name.so" ] || continue
  for needed in $(readelf -d "$so" 2>/dev/null |
                  sed -n 's/.*(NEEDED).*\[lib\([^]]*\)\.so[.0-9]*\].*/\1/p'); do
    case "$needed" in ld-linux*) continue ;; esac
    queue+=("$needed")
  done
done
# One group: abseil's archives refer to each other in cycles.
printf '%s\n' -Wl,--start-group "${archives[@]}" -Wl,--end-group "${system[@]}"
