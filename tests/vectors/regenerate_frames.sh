#!/usr/bin/env bash
# Writes the golden frame vectors (tests/vectors/frame) with framegen.py.
# Checked-in vectors never change: this is for adding new ones.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "${here}/../.."
bazel build //examples/parents/python:nsbootparent
PYTHONPATH="examples/parents/python:$(bazel info bazel-genfiles)/examples/parents/python" \
  /usr/bin/python3 tests/vectors/framegen.py tests/vectors/frame
