#!/usr/bin/env bash
# Builds the Go example parents: examples/parents/go/build.sh OUTDIR
# writes OUTDIR/nsboot-go-parent (the full example) and OUTDIR/nsboot-go-minimal
# (the README's).
#
# Debian's Go packages are GOPATH sources (/usr/share/gocode), so this builds
# without modules (GO111MODULE=off) in a throwaway GOPATH that holds
#   github.com/nsboot/nsboot/proto/nsboot/v1   bootstrap.pb.go, generated now
#                                              by protoc + protoc-gen-go from
#                                              proto/nsboot/v1/bootstrap.proto
#   github.com/nsboot/nsboot/examples/parents/go/...   a copy of this directory
# and Debian's GOPATH behind it (runc 1.1.5's libcontainer, vishvananda/netlink,
# google.golang.org/protobuf 1.28). Nothing generated is checked in: the
# bindings always match the schema and the Debian runtime. GOCACHE is used
# if set (Bazel's genrule sets a temporary one).
set -euo pipefail

out="$1"
mkdir -p "${out}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../../.." && pwd)"
for tool in go protoc protoc-gen-go; do
  command -v "${tool}" >/dev/null || {
    echo "build.sh: ${tool} not found (tools/setup.sh installs it)" >&2
    exit 1
  }
done

gopath="$(mktemp -d)"
trap 'chmod -R u+w "${gopath}" 2>/dev/null; rm -rf "${gopath}"' EXIT
repo="${gopath}/src/github.com/nsboot/nsboot"
mkdir -p "${repo}/examples/parents"
cp -RL "${here}" "${repo}/examples/parents/go"
protoc -I"${root}/proto" --go_out="${gopath}/src" \
  --plugin=protoc-gen-go="$(command -v protoc-gen-go)" \
  nsboot/v1/bootstrap.proto

export GO111MODULE=off GOPATH="${gopath}:/usr/share/gocode" GOFLAGS=
export GOCACHE="${GOCACHE:-${gopath}/cache}"
case "${out}" in /*) ;; *) out="${PWD}/${out}" ;; esac
go build -o "${out}" \
  github.com/nsboot/nsboot/examples/parents/go/cmd/nsboot-go-parent \
  github.com/nsboot/nsboot/examples/parents/go/cmd/nsboot-go-minimal
