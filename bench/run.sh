#!/usr/bin/env bash
# Runs every nsboot benchmark and prints the tables docs/BENCHMARKS.md
# quotes. Needs root (namespaces, id maps, mounts).
#
#   bench/run.sh [--quick] [--out DIR]
#
# --quick: few iterations (a smoke run; numbers meaningless).
# Environment: ITERATIONS (round trips per implementation and scenario,
# default 300), ROUNDS (runs of the round trips, each a process of its own,
# summarized with the spread of each ratio; default 3), INERT_ITERATIONS
# (default 3000), SOAK_COUNT (default 1000), RUNC_ITERATIONS (default 300),
# OUTPUT_BASE (Bazel output base, default /root/.cache/bazel-bench),
# RUNC_OUT (where tools/runc-with-nsboot.sh builds runc; default a temp dir).
#
# Everything is interleaved (each iteration runs every implementation once,
# in a rotating order) and summarized by medians, so that load from other
# work on the machine hits every implementation alike; the machine's load
# average is printed before and after each part.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT="$2"; shift ;;
    *) echo "usage: bench/run.sh [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
ITERATIONS=${ITERATIONS:-300}
INERT_ITERATIONS=${INERT_ITERATIONS:-3000}
SOAK_COUNT=${SOAK_COUNT:-1000}
RUNC_ITERATIONS=${RUNC_ITERATIONS:-300}
ROUNDS=${ROUNDS:-3}
if [ "$QUICK" = 1 ]; then
  ITERATIONS=3; INERT_ITERATIONS=20; SOAK_COUNT=8; RUNC_ITERATIONS=2; ROUNDS=2
fi
OUTPUT_BASE=${OUTPUT_BASE:-/root/.cache/bazel-bench}
OUT=${OUT:-$(mktemp -d /tmp/nsboot-bench-out.XXXXXX)}
mkdir -p "$OUT"

BAZEL=(bazel --output_base="$OUTPUT_BASE")
"${BAZEL[@]}" build -c opt --symlink_prefix=/ \
  //bench:roundtrip //bench:floor_host //bench:floor_host_exit //bench:floor_host_vm \
  //bench:bare_host //bench:nsboot_host \
  //bench:nsboot_host_static //bench:nsboot_host_bindseal //bench:nsboot_host_reexec \
  //bench:runc_nsexec_host //bench:rss_launcher \
  //bench:codec_bench //bench:plan_bench //cli:nsboot_static >&2
BIN=$("${BAZEL[@]}" info -c opt bazel-bin 2>/dev/null)
# Bazel's server (a JVM with periodic tasks) would take CPU from the
# bootstraps on this 2-vCPU machine: stop it; the runc level builds again
# with a fresh one and stops it the same way.
"${BAZEL[@]}" shutdown 2>/dev/null || true

HOSTS=(
  --floor="$BIN/bench/floor_host.bin"
  --floor_exit="$BIN/bench/floor_host_exit.bin"
  --floor_vm="$BIN/bench/floor_host_vm.bin"
  --nsboot_host="$BIN/bench/nsboot_host_static.bin"
  --nsboot_host_bindseal="$BIN/bench/nsboot_host_bindseal.bin"
  --nsboot_host_reexec="$BIN/bench/nsboot_host_reexec.bin"
  --nsboot_host_cxx="$BIN/bench/nsboot_host.bin"
  --bare_host="$BIN/bench/bare_host.bin"
  --runc_host="$BIN/bench/runc_nsexec_host.bin"
  --nsboot="$BIN/cli/nsboot-static"
  --true=/bin/true
)
RT="$BIN/bench/roundtrip"

section() { printf '\n## %s\n\n' "$*"; }

section "Machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "kernel: $(uname -r)"
# Scheduler and idle parameters of the kernel's command line: where a
# stage's child runs, and how fast an idle vCPU wakes, shape every row
# (docs/BENCHMARKS.md, sessions 8 and 9).
echo "kernel scheduling: $(tr ' ' '\n' < /proc/cmdline |
  grep -E '^(sched|haltpoll|cpuidle|idle|isolcpus|nohz|mitigations)' |
  tr '\n' ' ')"
echo "load: $(cat /proc/loadavg)"
others=$(pgrep -f 'A-server.jar' | wc -l || true)
if [ "$others" != 0 ]; then
  echo "warning: $others other Bazel server(s) running (their JVMs take CPU" \
       "from the timed runs; 'bazel shutdown' in their workspaces)"
fi
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

section "Round trips (ms)"
"$RT" --mode=roundtrip "${HOSTS[@]}" --iterations="$ITERATIONS" \
  --samples="$OUT/roundtrip.tsv" | tee "$OUT/roundtrip.md"

# The same again ROUNDS-1 times, each run a process of its own: runs differ
# from each other by more than one run's medians are precise to.
section "Round trips across $ROUNDS runs (the table above is the first)"
runs="$OUT/roundtrip.tsv"
for r in $(seq 2 "$ROUNDS"); do
  "$RT" --mode=roundtrip "${HOSTS[@]}" --iterations="$ITERATIONS" \
    --samples="$OUT/roundtrip.$r.tsv" > "$OUT/roundtrip.$r.md"
  runs="$runs,$OUT/roundtrip.$r.tsv"
done
"$RT" --mode=runs --runs="$runs" | tee "$OUT/runs.md"

section "Peak RSS per process (KiB)"
"$RT" --mode=memory "${HOSTS[@]}" --launcher="$BIN/bench/rss_launcher.bin" \
  --iterations=$([ "$QUICK" = 1 ] && echo 2 || echo 20) | tee "$OUT/memory.md"

section "Inert start-up (hook linked, not triggered)"
"$RT" --mode=inert "${HOSTS[@]}" --iterations="$INERT_ITERATIONS" \
  --launcher="$BIN/bench/rss_launcher.bin" | tee "$OUT/inert.md"

section "Size the hook adds"
printf '| binary | file bytes | stripped bytes | text | data | bss |\n|---|---:|---:|---:|---:|---:|\n'
for b in bare_host nsboot_host nsboot_host_static runc_nsexec_host; do
  f="$BIN/bench/$b.bin"
  strip -o "$OUT/$b.stripped" "$f"
  read -r text data bss _ < <(size "$f" | tail -1)
  printf '| %s | %d | %d | %d | %d | %d |\n' "$b" "$(stat -c %s "$f")" \
    "$(stat -c %s "$OUT/$b.stripped")" "$text" "$data" "$bss"
done
echo
echo "nsboot_host_static (the documented link line) loads these shared libraries beyond libc:"
extra=$(ldd "$BIN/bench/nsboot_host_static.bin" | awk '{print $1}' |
        grep -v -e vdso -e ld-linux -e '^libc\.' | tr '\n' ' ' || true)
echo "${extra:-none}"

section "runc level (runc run / runc exec of true)"
if [ -x tools/runc-with-nsboot.sh ] || [ -f tools/runc-with-nsboot.sh ]; then
  python3 bench/runc_level.py "${RUNC_OUT:-$OUT/runc}" "$RUNC_ITERATIONS" \
    "$SOAK_COUNT" | tee "$OUT/runc.md"
else
  echo "skipped: tools/runc-with-nsboot.sh is not in this tree (it builds"
  echo "runc with nsboot and stock runc from the same source)."
fi

section "Soak ($SOAK_COUNT bootstraps, sequential and 4-way parallel)"
for par in 1 4; do
  for sc in create user join; do
    "$RT" --mode=soak "${HOSTS[@]}" --impls=nsboot-cli,nsboot-native,nsboot-runc12,nsboot-runc11 \
      --scenario="$sc" --count="$SOAK_COUNT" --parallel="$par"
  done
done | tee "$OUT/soak.txt"

section "Codec (Google Benchmark)"
"$BIN/bench/codec_bench" --benchmark_min_time=$([ "$QUICK" = 1 ] && echo 0.01 || echo 0.5) \
  2>/dev/null | tee "$OUT/codec.txt"

section "Decode and plan, the round trips' requests (Google Benchmark)"
"$BIN/bench/plan_bench" --benchmark_min_time=$([ "$QUICK" = 1 ] && echo 0.01 || echo 0.5) \
  2>/dev/null | tee "$OUT/plan.txt"

echo
echo "load at the end: $(cat /proc/loadavg)"
echo "raw output in $OUT"
