#!/usr/bin/env bash
# Runs conformance_test.py with Debian's python3 (python3-protobuf), the
# nsboot CLI (C++), the Go example parent and the Python package.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
export HOME="${TEST_TMPDIR}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="${PWD}/examples/parents/python"
exec /usr/bin/python3 tests/conformance/conformance_test.py \
  cli/nsboot examples/parents/go/nsboot-go-parent tests/vectors
