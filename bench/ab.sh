#!/usr/bin/env bash
# A/B of two builds of the pre-main host, with the harness's two slots
# swapped between two runs so that the slots' own difference cancels
# (docs/BENCHMARKS.md, "How to A/B two builds of the hook"). Needs root.
#
#   bench/ab.sh A.bin B.bin [REQUEST] [ITERATIONS] [SCENARIOS]
#
# A.bin, B.bin: hosts built like //bench:nsboot_host_static. REQUEST:
# runc12 (default), native or noids: the row the builds take turns in
# (nsboot-runc12, nsboot-native, nsboot-native-noids) against the A/B slot
# (nsboot-native-cxx, which sends the same request). REQUEST cli: A and B
# are two builds of //cli:nsboot_static, timed as `nsboot run` in the
# nsboot-cli row and its slot, nsboot-cli-b. ITERATIONS: default
# 1000 per run. SCENARIOS: default create,join,user. OUTPUT_BASE: Bazel
# output base for roundtrip (default /root/.cache/bazel-bench); its server
# is stopped before the runs. OUT: where the samples go (default a temp
# dir).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: bench/ab.sh A.bin B.bin [runc12|native|noids|cli] [ITERATIONS] [SCENARIOS]" >&2
  exit 2
fi
a=$(realpath "$1") b=$(realpath "$2")
request=${3:-runc12} iterations=${4:-1000} scenarios=${5:-create,join,user}
slot=nsboot-native-cxx
case "$request" in
  runc12) row=nsboot-runc12 ;;
  native) row=nsboot-native ;;
  noids) row=nsboot-native-noids ;;
  cli) row=nsboot-cli slot=nsboot-cli-b ;;
  *) echo "bench/ab.sh: REQUEST is runc12, native, noids or cli" >&2; exit 2 ;;
esac
for f in "$a" "$b"; do
  [ -x "$f" ] || { echo "bench/ab.sh: $f is not an executable" >&2; exit 2; }
done
OUTPUT_BASE=${OUTPUT_BASE:-/root/.cache/bazel-bench}
OUT=${OUT:-$(mktemp -d /tmp/nsboot-ab.XXXXXX)}
mkdir -p "$OUT"
BAZEL=(bazel --output_base="$OUTPUT_BASE")
"${BAZEL[@]}" build -c opt //bench:roundtrip >&2
rt=$("${BAZEL[@]}" info -c opt bazel-bin 2>/dev/null)/bench/roundtrip
"${BAZEL[@]}" shutdown 2>/dev/null || true

run() {  # ROW_BINARY SLOT_BINARY SAMPLES
  if [ "$request" = cli ]; then
    "$rt" --mode=roundtrip --nsboot="$1" --nsboot_b="$2" \
      --impls="$row,$slot" --scenarios="$scenarios" \
      --iterations="$iterations" --samples="$3" > "$3.md"
  else
    "$rt" --mode=roundtrip --nsboot_host="$1" --nsboot_host_cxx="$2" \
      --cxx_request="$request" --impls="$row,$slot" \
      --scenarios="$scenarios" --iterations="$iterations" --samples="$3" \
      > "$3.md"
  fi
}
run "$a" "$b" "$OUT/forward.tsv"
run "$b" "$a" "$OUT/reverse.tsv"
"$rt" --mode=ab --forward="$OUT/forward.tsv" --reverse="$OUT/reverse.tsv" \
  --row="$row" --slot="$slot" | tee "$OUT/ab.md"
echo "samples in $OUT" >&2
