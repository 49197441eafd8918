#!/usr/bin/env bash
# Regenerates the golden vectors from runc 1.1.5's Go code (Debian's
# golang-github-opencontainers-runc-dev). Run from anywhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
export GO111MODULE=off GOPATH=/usr/share/gocode
export GOCACHE="${GOCACHE:-${tmp}/gocache}"
go build -o "${tmp}/runcgen" "${here}/runcgen/main.go"
rm -f "${here}"/*.netlink.bin "${here}"/*.textproto  # not frame/: regenerate_frames.sh
"${tmp}/runcgen" -out "${here}"
ls "${here}"/*.netlink.bin | wc -l
