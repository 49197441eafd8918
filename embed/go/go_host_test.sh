#!/usr/bin/env bash
# Builds the Go host (embed/go/testing/gohost, importing nsboot's nsenter
# package installed by embed/go/install.sh) with the go command, offline, and
# runs go_host_test (the C++ parent) against it.
#
#   go_host_test.sh LIBNSBOOT_A LIBNSBOOT_LINKOPTS DRIVER
set -euo pipefail
archive=$(realpath "$1") linkopts=$(realpath "$2") driver=$3
command -v go >/dev/null || { echo "SKIP: no go (Debian: golang-go)"; exit 0; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=${TEST_TMPDIR:-$(mktemp -d)}
gopath="$tmp/gopath"
rm -rf "$gopath"
"$here/install.sh" "$archive" "$linkopts" "$gopath/src/nsboot/nsenter"
mkdir -p "$gopath/src/gohost"
cp "$here/testing/gohost/main.go" "$gopath/src/gohost/"
export GO111MODULE=off CGO_ENABLED=1 GOPATH="$gopath"
export GOCACHE=${NSBOOT_GOCACHE:-/var/cache/nsboot-gobuild/gocache}
mkdir -p "$GOCACHE" 2>/dev/null || export GOCACHE="$tmp/gocache"
t0=$(date +%s%N)
(cd "$gopath/src/gohost" && go build -o "$tmp/gohost" .)
echo "built the Go host in $(( ($(date +%s%N) - t0) / 1000000 )) ms (GOCACHE=$GOCACHE)"
NSBOOT_GO_HOST="$tmp/gohost" "$driver"
# The same host with the cheaper seal (-tags nsboot_seal_bind), and one
# that re-executes from the copy (-tags nsboot_seal_reexec), through runc
# 1.1's contract, the one that seals.
(cd "$gopath/src/gohost" && go build -tags nsboot_seal_bind -o "$tmp/gohost-bind" .)
NSBOOT_GO_HOST="$tmp/gohost-bind" NSBOOT_GO_HOST_SEAL=bind \
  "$driver" "--gtest_filter=*RuncParent*"
(cd "$gopath/src/gohost" && go build -tags nsboot_seal_reexec -o "$tmp/gohost-reexec" .)
NSBOOT_GO_HOST="$tmp/gohost-reexec" exec "$driver" "--gtest_filter=*RuncParent*"
