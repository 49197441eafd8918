#!/usr/bin/env bash
# Smoke test of the benchmark harness: builds and runs one iteration of every
# scenario for every implementation, the memory and inert modes and a tiny
# soak. Asserts only that every bootstrap succeeded, never a time.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (namespaces, id maps)"
  exit 0
fi
rt=$1 floor=$2 nsboot_static=$3 nsboot_cxx=$4 bare=$5 runc=$6 \
  launcher=$7 cli=$8 nsboot_bindseal=$9 nsboot_reexec=${10} floor_exit=${11} \
  floor_vm=${12}
hosts=(--floor="$floor" --floor_exit="$floor_exit" --floor_vm="$floor_vm"
       --nsboot_host="$nsboot_static"
       --nsboot_host_cxx="$nsboot_cxx" --bare_host="$bare"
       --runc_host="$runc" --nsboot="$cli"
       --nsboot_host_bindseal="$nsboot_bindseal"
       --nsboot_host_reexec="$nsboot_reexec")
fail() { echo "FAIL: $*"; exit 1; }

samples="${TEST_TMPDIR:-/tmp}/roundtrip.tsv"
out=$("$rt" --mode=roundtrip "${hosts[@]}" --iterations=1 --warmup=0 \
      --samples="$samples") || fail "roundtrip: $out"
echo "$out"
for impl in floor floor-exit floor-vm nsboot-native nsboot-native-noids nsboot-runc12 nsboot-runc11 \
            nsboot-runc11-bind nsboot-runc11-reexec runc-nsexec nsboot-native-cxx nsboot-cli \
            util-linux; do
  for sc in create join user; do
    echo "$out" | grep "^| $sc | $impl | 1 |" > /dev/null || fail "no row $sc/$impl"
  done
done
echo "$out" | grep '^# failures: 0$' > /dev/null || fail "failures"

# The summary of several runs (the same one twice): every row, two runs each.
out=$("$rt" --mode=runs --runs="$samples,$samples") || fail "runs: $out"
echo "$out"
for sc in create join user; do
  echo "$out" | grep "^| $sc | floor | 2 | [0-9.]* | 1.00 \[1.00, 1.00\] |" > /dev/null ||
    fail "runs: no floor row for $sc"
  echo "$out" | grep "^| $sc | nsboot-runc12 | 2 | [0-9.]* | [0-9.]* \[[0-9.]*, [0-9.]*\] | [0-9.]* \[" > /dev/null ||
    fail "runs: no runc12 row for $sc"
done
"$rt" --mode=runs --runs=/nonexistent.tsv 2> /dev/null && fail "runs read a missing file"

# The A/B summary, the same run as both orders: A and B are one build, so
# their difference is 0 and the slots' own difference is the run's.
out=$("$rt" --mode=ab --forward="$samples" --reverse="$samples") || fail "ab: $out"
echo "$out"
for sc in create join user; do
  echo "$out" | grep "^| $sc | 1+1 | [0-9.]* | [0-9.]* | [+-]0.0 | \[[+-]0.0, [+-]0.0\] | [+-][0-9.]* |$" > /dev/null ||
    fail "ab: no zero row for $sc"
done
"$rt" --mode=ab --forward="$samples" 2> /dev/null && fail "ab without --reverse"

out=$("$rt" --mode=memory "${hosts[@]}" --launcher="$launcher" \
      --iterations=1 --scenarios=create) || fail "memory: $out"
echo "$out" | grep '^| create | nsboot-native | 1 | [0-9]*, [0-9]*, [0-9]* |$' > /dev/null ||
  fail "memory row: $out"

out=$("$rt" --mode=inert "${hosts[@]}" --launcher="$launcher" \
      --iterations=2 --warmup=0) || fail "inert: $out"
echo "$out" | grep '^| bare (no hook) |' > /dev/null || fail "inert rows: $out"

out=$("$rt" --mode=soak "${hosts[@]}" --impls=nsboot-cli,nsboot-native \
      --count=4 --parallel=2) || fail "soak: $out"
echo "$out" | grep 'nsboot-native/create: 4 bootstraps, 2-way, .* 0 failures' > /dev/null ||
  fail "soak: $out"
echo "1 passed, 0 failed"
