#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, fuzzing, the
# benchmarks and the examples need. Idempotent and quiet when everything is
# present; the README commands and .ci/run call it, so no separate step is
# needed. Must run as root (or with the packages already installed).
set -euo pipefail

PACKAGES=(
  # Build: Bazel 4.2.3 and the system libraries it links (docs/BUILDING.md).
  bazel-bootstrap g++ libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Fuzzing: clang 14 with libFuzzer and its sanitizer runtimes.
  clang libclang-rt-14-dev
  # AFL++ runs the same targets (docs/FUZZING.md, "AFL++").
  afl++
  # Interop: runc 1.1.5's Go source for golden vectors and the drop-in build,
  # Go and Python parents (protoc-gen-go generates their Go bindings at build
  # time, examples/parents/go/build.sh), runc and crun binaries.
  golang-go golang-github-opencontainers-runc-dev golang-google-protobuf-dev
  protoc-gen-go libseccomp-dev pkg-config python3 python3-protobuf runc crun
  # Real-kernel tests: newuidmap/newgidmap, a busybox rootfs, util-linux.
  uidmap busybox-static util-linux procps
  # The Go drop-in links protobuf, abseil and zlib statically
  # (embed/go/install.sh); readelf (binutils) finds their closure.
  zlib1g-dev binutils
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages (run as root to install): ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
