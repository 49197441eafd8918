#!/usr/bin/env bash
# The main job, end to end: nsboot starts a process inside fresh namespaces,
# a second process joins it, and both show what they see. Then the same
# bootstrap as runc speaks it: a real runc message, decoded and planned.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bazel build -c opt //cli:nsboot >/dev/null 2>&1 || bazel build -c opt //cli:nsboot
nsboot=bazel-bin/cli/nsboot
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show_ns() {  # what a process sees: pid, ids, hostname, namespace ids
  echo "  pid $$ (in its pid namespace), $(id | cut -d' ' -f1-2), hostname $(hostname)"
  for ns in user mnt uts ipc pid net; do
    printf '    %-5s %s\n' "$ns" "$(readlink /proc/self/ns/$ns)"
  done
  echo "    uid_map: $(tr -s ' ' < /proc/self/uid_map)"
}
export -f show_ns

say "Us, outside"
show_ns

say "nsboot run: a shell in fresh user, pid, mount, uts, ipc and net namespaces"
"$nsboot" run --json -- bash -c 'hostname demo-box; show_ns; echo ready > '"$tmp"'/ready; sleep 3' \
  2> "$tmp/pids.json" &
for _ in $(seq 50); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
echo "  nsboot --json said: $(cat "$tmp/pids.json")"
target=$(sed -n 's/.*"stage2_pid":\([0-9]*\).*/\1/p' "$tmp/pids.json")

say "nsboot run --join $target: a second process enters all of its namespaces"
"$nsboot" run --join "$target" -- bash -c 'show_ns'
wait

say "The same bootstrap as runc speaks it: runc 1.1.5's own 'runc exec' message"
od -A d -t x1 tests/vectors/exec_join_all.netlink.bin | head -4
echo "  ..."
"$nsboot" decode --dialect=runc-1.1 tests/vectors/exec_join_all.netlink.bin | head -12
echo "  ..."

say "nsboot plan: what the executor does for it, stage by stage (first lines)"
"$nsboot" plan --dialect=runc-1.1 tests/vectors/exec_join_all.netlink.bin | head -24

say "A hostile message: attribute length 0 (runc's own C parser spins forever on it)"
printf '\x18\x00\x00\x00\x30\xf2\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x91\x6a\x00\x00\x00\x00' \
  > "$tmp/hostile.bin"
set +e
"$nsboot" decode "$tmp/hostile.bin"
echo "  exit status $? (65: malformed input)"
