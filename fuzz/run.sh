#!/usr/bin/env bash
# Time-boxed fuzzing campaign for one target:
#
#   fuzz/run.sh TARGET SECONDS [JOBS]
#
# Builds //fuzz:TARGET under --config=fuzz (clang 14, libFuzzer, ASan+UBSan on
# the whole tree), fuzzes for SECONDS from the checked-in corpus with the
# target's dictionary, in libFuzzer's fork mode over JOBS processes (default:
# every core; on a shared machine pass 1 and keep NICE=19, the default), then
# merges what it found into fuzz/corpus/TARGET (-merge=1 into a fresh
# directory, so the checked-in corpus stays minimal), and prints exec/s,
# coverage, corpus size, CPU time and crashes. Crash inputs are left in
# $WORK/TARGET/artifacts; after fixing, put the minimized one in
# fuzz/regressions/TARGET/ (the replay test runs it forever after).
#
# Environment: BAZEL (default: bazel --output_base=$HOME/.cache/bazel-fuzz),
# WORK (default /tmp/nsboot-fuzz), NICE (default 19), MAX_LEN (default 4096),
# MERGE=0 to leave fuzz/corpus alone, EXTRA (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET SECONDS [JOBS]}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS [JOBS]}
jobs=${3:-$(nproc)}
BAZEL=${BAZEL:-bazel --output_base=$HOME/.cache/bazel-fuzz}
WORK=${WORK:-/tmp/nsboot-fuzz}
NICE=${NICE:-19}
MAX_LEN=${MAX_LEN:-4096}

$BAZEL build --config=fuzz "//fuzz:$target" >&2
bin="$($BAZEL info --config=fuzz bazel-bin 2>/dev/null)/fuzz/$target"
[ -x "$bin" ] || { echo "run.sh: no binary at $bin" >&2; exit 1; }

dir="$WORK/$target"
mkdir -p "$dir/corpus" "$dir/artifacts"
log="$dir/fuzz.log"
dict=()
[ -f "fuzz/dicts/$target.dict" ] && dict=("-dict=fuzz/dicts/$target.dict")
mode=()
[ "$jobs" -gt 1 ] && mode=("-fork=$jobs" "-ignore_crashes=1" "-ignore_timeouts=1" "-ignore_ooms=1")

echo "run.sh: fuzzing $target for ${seconds}s, $jobs job(s), nice $NICE" >&2
TIMEFORMAT='%U %S %R'
{ time nice -n "$NICE" "$bin" "${mode[@]}" "${dict[@]}" \
    -max_total_time="$seconds" -max_len="$MAX_LEN" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" ${EXTRA:-} \
    "$dir/corpus" "fuzz/corpus/$target" > "$log" 2>&1 || true; } 2> "$dir/time"
read -r user sys real < "$dir/time"

last=$(grep -E 'cov: [0-9]+' "$log" | tail -1 || true)
# Fork mode (JOBS > 1) prints no stat:: lines: then the last status line
# ("#N: cov: ... exec/s R ...") gives the totals. grep finding nothing must
# not end the script (pipefail).
execs=$({ grep -E '^stat::number_of_executed_units' "$log" || true; } | awk '{s+=$2} END {print s+0}')
rate=$({ grep -E '^stat::average_exec_per_sec' "$log" || true; } | awk '{s+=$2} END {print s+0}')
[ "$execs" = 0 ] && execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
[ "$rate" = 0 ] && rate=$(echo "$last" | sed -n 's/.*exec\/s:\{0,1\} \([0-9]*\).*/\1/p')
execs=${execs:-0} rate=${rate:-0}

if [ "${MERGE:-1}" = 1 ]; then
  fresh="$dir/merged"
  rm -rf "$fresh" && mkdir -p "$fresh"
  # Hand-made seeds (any name but libFuzzer's 40-hex-digit hash) keep their
  # names; found inputs join only if they add coverage beyond them.
  find "fuzz/corpus/$target" -maxdepth 1 -type f ! -regex '.*/[0-9a-f]\{40\}' \
    -exec cp {} "$fresh/" \;
  nice -n "$NICE" "$bin" -merge=1 -max_len="$MAX_LEN" "$fresh" "$dir/corpus" "fuzz/corpus/$target" \
    > "$dir/merge.log" 2>&1
  rm -rf "fuzz/corpus/$target" && cp -r "$fresh" "fuzz/corpus/$target"
fi

files=$(find "fuzz/corpus/$target" -type f | wc -l)
bytes=$(du -sb "fuzz/corpus/$target" | cut -f1)
crashes=$(find "$dir/artifacts" -type f | wc -l)
echo "target:   $target"
echo "time:     ${real}s wall, $(awk "BEGIN {print $user + $sys}")s CPU"
per_cpu=$(awk -v e="$execs" -v u="$user" -v s="$sys" 'BEGIN {c = u + s; printf "%d", (c > 0 ? e / c : 0)}')
echo "execs:    $execs (${rate} exec/s wall, ${per_cpu} per CPU second)"
echo "coverage: $(echo "$last" | grep -oE 'cov: [0-9]+ ft: [0-9]+' || echo '?') (cov = edges, ft = features)"
echo "corpus:   $files files, $bytes bytes in fuzz/corpus/$target"
echo "crashes:  $crashes in $dir/artifacts"
find "$dir/artifacts" -type f -printf '  %p\n'
grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz property failed)' "$log" | sort | uniq -c | head -20 || true
