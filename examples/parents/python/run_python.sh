#!/usr/bin/env bash
# Runs a Python test from the runfiles with Debian's python3 (which has
# python3-protobuf), not whatever python3 is first on PATH.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
export HOME="${TEST_TMPDIR}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="${PWD}/examples/parents/python"
exec /usr/bin/python3 "$@"
