#!/usr/bin/env bash
# Builds runc 1.1.5 from Debian's source with nsboot in place of nsexec.c,
# offline (GO111MODULE=off, Debian's golang-*-dev packages), and a stock runc
# from the same source for comparison.
#
#   tools/runc-with-nsboot.sh [--libnsboot LIBNSBOOT_A LIBNSBOOT_LINKOPTS] OUTDIR
#
# Writes:
#   OUTDIR/runc         runc with nsboot's Go package as libcontainer/nsenter
#   OUTDIR/runc-stock   runc with its own nsexec.c, same source, same flags
#   OUTDIR/gopath/      the GOPATH overlay: github.com/opencontainers/runc is a
#                       copy of Debian's source whose libcontainer/nsenter is
#                       nsboot's package (embed/go/install.sh); everything else
#                       comes from /usr/share/gocode (second GOPATH entry).
#
# Without --libnsboot it runs `bazel build //embed:libnsboot` (flags from
# NSBOOT_BAZEL_FLAGS, default "-c opt"; output base from
# NSBOOT_BAZEL_OUTPUT_BASE, default Bazel's). Tests pass --libnsboot: Bazel
# cannot run inside a Bazel test.
#
# Build flags as Debian builds runc 1.1.5 (`go version -m /usr/sbin/runc`):
# -tags "seccomp urfave_cli_no_docs" -trimpath, cgo on. The Go build cache is
# NSBOOT_GOCACHE (default /var/cache/nsboot-gobuild/gocache); with it warm a
# rebuild is a link (seconds), cold it is about a minute or two on 2 cores.
# nsboot's C++ dependencies are linked statically (NSBOOT_GO_LINK=static, the
# default; "shared" links libprotobuf and abseil's ~35 shared libraries, which
# costs ~10 ms per exec of runc). See embed/go/install.sh.
set -euo pipefail

usage() {
  echo "usage: $0 [--libnsboot LIBNSBOOT_A LIBNSBOOT_LINKOPTS] OUTDIR" >&2
  exit 2
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
archive="" linkopts=""
if [ "${1:-}" = "--libnsboot" ]; then
  [ $# -ge 3 ] || usage
  archive=$(realpath "$2") linkopts=$(realpath "$3")
  shift 3
fi
[ $# -eq 1 ] || usage
mkdir -p "$1"
out=$(realpath "$1")

RUNC_SRC=${RUNC_SRC:-/usr/share/gocode/src/github.com/opencontainers/runc}
DEBIAN_GOPATH=${DEBIAN_GOPATH:-/usr/share/gocode}
[ -f "$RUNC_SRC/libcontainer/nsenter/nsexec.c" ] || {
  echo "runc-with-nsboot: no runc source at $RUNC_SRC" \
       "(Debian: golang-github-opencontainers-runc-dev)" >&2
  exit 1
}

if [ -z "$archive" ]; then
  bazel_startup=()
  [ -n "${NSBOOT_BAZEL_OUTPUT_BASE:-}" ] &&
    bazel_startup=(--output_base="$NSBOOT_BAZEL_OUTPUT_BASE")
  read -r -a bazel_flags <<< "${NSBOOT_BAZEL_FLAGS:--c opt}"
  (cd "$repo" &&
   bazel "${bazel_startup[@]}" build --symlink_prefix=/ "${bazel_flags[@]}" \
     //embed:libnsboot >&2)
  bin=$(cd "$repo" && bazel "${bazel_startup[@]}" info "${bazel_flags[@]}" bazel-bin 2>/dev/null)
  archive="$bin/embed/libnsboot.a" linkopts="$bin/embed/libnsboot.linkopts"
fi

# runc's version and the tags Debian uses; the commit line says which is which.
deb=$(dpkg-query -W -f='${Version}' golang-github-opencontainers-runc-dev 2>/dev/null || true)
version=${deb%-*}
version=${version:-1.1.5}
nsboot_rev=$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
export GO111MODULE=off CGO_ENABLED=1
export GOCACHE=${NSBOOT_GOCACHE:-/var/cache/nsboot-gobuild/gocache}
mkdir -p "$GOCACHE"
tags="seccomp urfave_cli_no_docs"
# NSBOOT_GO_TAGS adds build tags to the nsboot build only, e.g.
# NSBOOT_GO_TAGS=nsboot_seal_bind (docs/EMBEDDING.md, "The seal").
nsboot_tags="$tags${NSBOOT_GO_TAGS:+ $NSBOOT_GO_TAGS}"

# The overlay.
overlay="$out/gopath/src/github.com/opencontainers/runc"
rm -rf "$out/gopath"
mkdir -p "$(dirname "$overlay")"
cp -a "$RUNC_SRC" "$overlay"
chmod -R u+w "$overlay"
rm -rf "$overlay/libcontainer/nsenter"
"$repo/embed/go/install.sh" --link="${NSBOOT_GO_LINK:-static}" \
  "$archive" "$linkopts" "$overlay/libcontainer/nsenter"

start=$(date +%s%N)
GOPATH="$out/gopath:$DEBIAN_GOPATH" go build -trimpath -tags "$nsboot_tags" \
  -ldflags "-X main.version=$version -X main.gitCommit=nsboot-$nsboot_rev" \
  -o "$out/runc" github.com/opencontainers/runc
mid=$(date +%s%N)
GOPATH="$DEBIAN_GOPATH" go build -trimpath -tags "$tags" \
  -ldflags "-X main.version=$version -X main.gitCommit=stock-nsexec" \
  -o "$out/runc-stock" github.com/opencontainers/runc
end=$(date +%s%N)
echo "runc-with-nsboot: $out/runc ($(( (mid - start) / 1000000 )) ms)," \
  "$out/runc-stock ($(( (end - mid) / 1000000 )) ms); GOCACHE=$GOCACHE" >&2
