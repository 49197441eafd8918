#!/usr/bin/env bash
# The checked-in frame vectors are what framegen.py writes today.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
export HOME="${TEST_TMPDIR}" PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="${PWD}/examples/parents/python"
out="${TEST_TMPDIR}/frame"
/usr/bin/python3 tests/vectors/framegen.py "${out}" > /dev/null
if ! diff -r "${out}" tests/vectors/frame; then
  echo "tests/vectors/frame differs from framegen.py's output:" \
       "run tests/vectors/regenerate_frames.sh, or restore the vectors" \
       "(a checked-in vector never changes)" >&2
  exit 1
fi
echo "$(ls "${out}"/*.bin | wc -l) frame vectors current"
