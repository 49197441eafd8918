#!/usr/bin/env bash
# Builds tests/vectors/runcgen with Go against Debian's runc 1.1.5 sources,
# runs it into a temporary directory and diffs the result with the
# checked-in vectors: they must still come from runc's own code.
set -euo pipefail

dir="${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/vectors"
export HOME="${TEST_TMPDIR}" GOCACHE="${TEST_TMPDIR}/gocache"
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS=

command -v go >/dev/null || { echo "go not found (apt-get install golang-go)"; exit 1; }
src="$(readlink -f "${dir}/runcgen/main.go")"
go build -o "${TEST_TMPDIR}/runcgen" "${src}"

out="${TEST_TMPDIR}/out"
mkdir -p "${out}"
"${TEST_TMPDIR}/runcgen" -out "${out}"

status=0
count=0
for f in "${out}"/*; do
  name="$(basename "${f}")"
  count=$((count + 1))
  if ! cmp -s "${f}" "${dir}/${name}"; then
    echo "MISMATCH: ${name} differs from the generator's output"
    diff <(xxd "${dir}/${name}" 2>/dev/null || true) <(xxd "${f}") | head -20 || true
    status=1
  fi
done
for f in "${dir}"/*.netlink.bin "${dir}"/*.textproto; do
  name="$(basename "${f}")"
  if [[ ! -e "${out}/${name}" ]]; then
    echo "STALE: ${name} is checked in but the generator no longer writes it"
    status=1
  fi
done
echo "compared ${count} generated files"
exit "${status}"
