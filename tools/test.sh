#!/usr/bin/env bash
# The whole test suite: installs what is missing (tools/setup.sh), then runs
# every test with Bazel. Extra arguments go to `bazel test`, e.g.
#   tools/test.sh --config=asan
# Exits non-zero when any test fails; the output ends with Bazel's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec bazel test "$@" //...
