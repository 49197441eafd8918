#!/usr/bin/env bash
# The main job, shown end to end: nsboot reading real runc bootstrap data.
# (Until the executor lands, the demo decodes; see README.md.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bazel build -c opt //cli:nsboot >/dev/null 2>&1 || bazel build -c opt //cli:nsboot
nsboot=bazel-bin/cli/nsboot
vectors=tests/vectors

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "The bootstrap message runc 1.1.5's Go code writes for 'runc run' (hexdump)"
od -A d -t x1 "$vectors/run_basic.netlink.bin" | head -8

say "nsboot decode: the same bytes as a typed nsboot.v1.BootstrapRequest"
"$nsboot" decode --dialect=runc-1.1 "$vectors/run_basic.netlink.bin"

say "A rootless user-namespace container (maps, helpers, setgroups), as JSON"
"$nsboot" decode --dialect=runc-1.1 --json "$vectors/rootless_userns_helpers.netlink.bin"

say "nsboot plan: what the executor does for 'runc exec' (join all namespaces)"
"$nsboot" plan --dialect=runc-1.1 "$vectors/exec_join_all.netlink.bin"

say "Re-encoded as nsboot's native frame, and validated"
"$nsboot" encode --to=proto <("$nsboot" decode --dialect=runc-1.1 \
    "$vectors/run_basic.netlink.bin" | grep -v '^#') > /tmp/nsboot-demo.frame
"$nsboot" validate /tmp/nsboot-demo.frame

say "A hostile message: attribute length 0 (runc's own parser loops forever on it)"
printf '\x18\x00\x00\x00\x30\xf2\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x91\x6a\x00\x00\x00\x00' \
  > /tmp/nsboot-demo-hostile.bin
set +e
"$nsboot" decode --dialect=runc-1.1 /tmp/nsboot-demo-hostile.bin
echo "exit status: $? (65 = malformed input)"
