#!/usr/bin/env bash
# End to end: runc 1.1.5 rebuilt with nsboot in place of nsexec.c
# (tools/runc-with-nsboot.sh) runs real containers from a busybox rootfs:
#   1. `runc run`: new pid/net/ipc/uts/mnt/cgroup namespaces, hostname;
#   2. `runc exec`: joins the running container's namespaces;
#   3. a user namespace with uid/gid maps and a bind mount whose source sits
#      in a 0700 directory only host root can enter (runc 1.1's mount
#      sources: attribute 27290, _LIBCONTAINER_MOUNT_FDS): the container
#      can only see the file through the fd stage 0 opened for it;
#   4. `runc exec` into that user-namespaced container;
#   5. a bad namespace path: exit 1 and stage 1's FATAL line in runc's error.
# Each step is also run with the stock runc built from the same source, and
# the wall time of both is printed.
#
#   runc_e2e_test.sh LIBNSBOOT_A LIBNSBOOT_LINKOPTS
#
# Needs root, Debian's runc source, Go, busybox-static; skips (exit 0, with a
# printed reason) without them. RUNC_E2E_PREBUILT=DIR reuses DIR/runc and
# DIR/runc-stock instead of building.
set -euo pipefail

skip() { echo "SKIP: $*"; exit 0; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

[ $# -eq 2 ] || fail "usage: $0 LIBNSBOOT_A LIBNSBOOT_LINKOPTS"
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, cgroups, id maps)"
[ -x /bin/busybox ] || skip "no /bin/busybox (Debian: busybox-static)"
case "$(ldd /bin/busybox 2>&1 || true)" in
  *"not a dynamic"*|*"statically linked"*) ;;
  *) skip "/bin/busybox is not static (Debian: busybox-static)" ;;
esac
command -v go >/dev/null || skip "no go (Debian: golang-go)"
[ -d /usr/share/gocode/src/github.com/opencontainers/runc ] ||
  skip "no runc source (Debian: golang-github-opencontainers-runc-dev)"
command -v python3 >/dev/null || skip "no python3"

archive=$(realpath "$1") linkopts=$(realpath "$2")
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)

# Bundles live under /tmp, not under $TEST_TMPDIR: Bazel's output base is in
# /root (mode 0700), which a container root mapped to uid 100000 cannot
# traverse.
work=$(mktemp -d /tmp/nsboot-e2e.XXXXXX)
chmod 0755 "$work"
root="$work/state"
cleanup() {
  for r in ./runc ./runc-stock; do
    [ -x "$bin/$r" ] || continue
    for c in $("$bin/$r" --root "$root" list -q 2>/dev/null); do
      "$bin/$r" --root "$root" delete -f "$c" >/dev/null 2>&1 || true
    done
  done
  [ -n "${RUNC_E2E_KEEP:-}" ] && { echo "kept $work"; return; }
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${RUNC_E2E_PREBUILT:-}" ]; then
  bin=$(realpath "$RUNC_E2E_PREBUILT")
else
  bin="$work/build"
  t0=$(date +%s%N)
  "$repo/tools/runc-with-nsboot.sh" --libnsboot "$archive" "$linkopts" "$bin"
  echo "built runc and runc-stock in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fi
"$bin/runc" --version | grep "commit: nsboot-" > /dev/null || fail "$bin/runc is not nsboot's"
# The nsboot runc has no nsexec: its symbols must not be there.
go tool nm "$bin/runc" > "$work/runc.nm"
! grep -qw nsexec "$work/runc.nm" || fail "nsexec is still linked into $bin/runc"
grep -q " T nsboot_premain$" "$work/runc.nm" || fail "nsboot_premain missing"
# nsboot's C++ dependencies are linked in statically (embed/go/install.sh).
# (Under --config=asan the sanitizer runtimes bring libstdc++ back in.)
ldd "$bin/runc" > "$work/runc.ldd"
cxx_libs="libprotobuf|libabsl|libstdc"
grep -q -- -fsanitize "$linkopts" && cxx_libs="libprotobuf|libabsl"
! grep -Eq "$cxx_libs" "$work/runc.ldd" ||
  fail "$bin/runc loads nsboot's C++ dependencies as shared libraries"
ok "runc built with nsboot's libcontainer/nsenter (no nsexec symbol, no C++ shared libraries)"

# A busybox rootfs: Debian's static busybox and its applets as symlinks.
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc,mnt}
cp /bin/busybox "$rootfs/bin/"
for applet in $(/bin/busybox --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
echo "root:x:0:0:root:/:/bin/sh" > "$rootfs/etc/passwd"
echo "root:x:0:" > "$rootfs/etc/group"
# The bind mount's target: the rootfs belongs to host root, which is not
# mapped into the user namespace, so the container cannot create it.
touch "$rootfs/mnt/secret"

# A secret only host root can reach: the directory is 0700.
secret_dir="$work/private"
mkdir -m 0700 "$secret_dir"
echo "nsboot-secret-$$" > "$secret_dir/secret.txt"
chmod 0644 "$secret_dir/secret.txt"

# bundle NAME ARGS_JSON [userns]: writes $work/NAME/config.json.
bundle() {
  local name=$1 args=$2 userns=${3:-}
  mkdir -p "$work/$name"
  (cd "$work/$name" && "$bin/runc" spec)
  python3 - "$work/$name/config.json" "$rootfs" "$args" "$userns" "$secret_dir" <<'PY'
import json, sys
path, rootfs, args, userns, secret_dir = sys.argv[1:]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": False}
c["process"]["terminal"] = False
c["process"]["args"] = json.loads(args)
c["hostname"] = "nsboot-e2e"
ns = c["linux"]["namespaces"]
if not any(n["type"] == "cgroup" for n in ns):
    ns.append({"type": "cgroup"})
if userns:
    ns.append({"type": "user"})
    c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    c["mounts"].append({"destination": "/mnt/secret", "type": "bind",
                        "source": secret_dir + "/secret.txt",
                        "options": ["bind", "ro"]})
    # sysfs is not mountable in a user namespace without its netns; keep it
    # simple and bind the host's read-only instead.
    c["mounts"] = [m for m in c["mounts"] if m["type"] not in ("sysfs", "cgroup")]
json.dump(c, open(path, "w"), indent=1)
PY
}

host_ns() { stat -L -c %i "/proc/self/ns/$1"; }

# A report from inside: pid, hostname, namespace inodes, ids, maps.
report='echo pid=$$; echo hostname=$(hostname);
for n in mnt uts ipc pid net cgroup user; do echo ns.$n=$(stat -L -c %i /proc/self/ns/$n); done;
echo uid=$(id -u); echo gid=$(id -g);
echo uid_map=$(cat /proc/self/uid_map); echo gid_map=$(cat /proc/self/gid_map);
[ -e /mnt/secret ] && echo secret=$(cat /mnt/secret); true'
report_json=$(python3 -c 'import json,sys; print(json.dumps(["sh","-c",sys.argv[1]]))' "$report")

get() { sed -n "s/^$1=//p" <<< "$2" | head -n1; }
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---- 1. runc run: new namespaces ----
bundle run "$report_json"
for r in runc runc-stock; do
  t0=$(date +%s%N)
  out=$(cd "$work/run" && "$bin/$r" --root "$root" run "e2e-run-$r" 2>&1) ||
    fail "$r run: $out"
  ms=$(elapsed_ms "$t0")
  [ "$(get pid "$out")" = 1 ] || fail "$r run: container process is not pid 1: $out"
  [ "$(get hostname "$out")" = nsboot-e2e ] || fail "$r run: hostname: $out"
  for n in mnt uts ipc pid net cgroup; do
    [ "$(get ns.$n "$out")" != "$(host_ns $n)" ] || fail "$r run: $n namespace is the host's"
  done
  [ "$(get ns.user "$out")" = "$(host_ns user)" ] || fail "$r run: unexpected user namespace"
  ok "$r run: pid 1, hostname nsboot-e2e, mnt/uts/ipc/pid/net/cgroup namespaces new ($ms ms)"
done

# ---- 2. runc exec: join a running container ----
bundle exec '["sleep","1000"]'
for r in runc runc-stock; do
  c="e2e-exec-$r"
  (cd "$work/exec" && "$bin/$r" --root "$root" run -d "$c" \
     </dev/null >"$work/$c.log" 2>&1) || fail "$r run -d: $(cat "$work/$c.log")"
  pid=$("$bin/$r" --root "$root" state "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  t0=$(date +%s%N)
  out=$("$bin/$r" --root "$root" exec "$c" sh -c "$report; echo init=\$(cat /proc/1/comm)" 2>&1) ||
    fail "$r exec: $out"
  ms=$(elapsed_ms "$t0")
  for n in mnt uts ipc pid net cgroup; do
    want=$(stat -L -c %i "/proc/$pid/ns/$n")
    [ "$(get ns.$n "$out")" = "$want" ] ||
      fail "$r exec: $n namespace $(get ns.$n "$out") is not the container's ($want)"
  done
  [ "$(get pid "$out")" != 1 ] || fail "$r exec: exec'd process is pid 1"
  [ "$(get init "$out")" = sleep ] || fail "$r exec: pid 1 is not the container's init: $out"
  [ "$(get hostname "$out")" = nsboot-e2e ] || fail "$r exec: hostname: $out"
  "$bin/$r" --root "$root" delete -f "$c"
  ok "$r exec: joined init's mnt/uts/ipc/pid/net/cgroup namespaces, sees its pid 1 ($ms ms)"
done

# ---- 3. user namespace, id maps, bind mount from a 0700 directory ----
bundle userns "$report_json" userns
for r in runc runc-stock; do
  t0=$(date +%s%N)
  out=$(cd "$work/userns" && "$bin/$r" --root "$root" run "e2e-userns-$r" 2>&1) ||
    fail "$r run (userns): $out"
  ms=$(elapsed_ms "$t0")
  [ "$(get ns.user "$out")" != "$(host_ns user)" ] || fail "$r userns: user namespace is the host's"
  [ "$(get uid "$out")" = 0 ] && [ "$(get gid "$out")" = 0 ] || fail "$r userns: ids: $out"
  [ "$(get uid_map "$out" | tr -s ' ')" = " 0 100000 65536" ] ||
  [ "$(get uid_map "$out" | tr -s ' ')" = "0 100000 65536" ] || fail "$r userns: uid_map: $out"
  [ "$(get gid_map "$out" | tr -s ' ')" = " 0 100000 65536" ] ||
  [ "$(get gid_map "$out" | tr -s ' ')" = "0 100000 65536" ] || fail "$r userns: gid_map: $out"
  [ "$(get secret "$out")" = "nsboot-secret-$$" ] ||
    fail "$r userns: bind-mounted secret not visible: $out"
  ok "$r userns: uid/gid 0 mapped to 100000 (x65536), bind mount from a 0700 dir visible ($ms ms)"
done

# ---- 4. runc exec into the user-namespaced container ----
bundle userns-exec '["sleep","1000"]' userns
for r in runc runc-stock; do
  c="e2e-userns-exec-$r"
  (cd "$work/userns-exec" && "$bin/$r" --root "$root" run -d "$c" \
     </dev/null >"$work/$c.log" 2>&1) || fail "$r run -d (userns): $(cat "$work/$c.log")"
  pid=$("$bin/$r" --root "$root" state "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
  t0=$(date +%s%N)
  out=$("$bin/$r" --root "$root" exec "$c" sh -c "$report" 2>&1) || fail "$r exec (userns): $out"
  ms=$(elapsed_ms "$t0")
  for n in user mnt pid net; do
    want=$(stat -L -c %i "/proc/$pid/ns/$n")
    [ "$(get ns.$n "$out")" = "$want" ] ||
      fail "$r exec (userns): $n namespace $(get ns.$n "$out") is not the container's ($want)"
  done
  [ "$(get uid "$out")" = 0 ] || fail "$r exec (userns): uid: $out"
  [ "$(get secret "$out")" = "nsboot-secret-$$" ] || fail "$r exec (userns): secret: $out"
  "$bin/$r" --root "$root" delete -f "$c"
  ok "$r exec (userns): joined init's user/mnt/pid/net namespaces as mapped uid 0 ($ms ms)"
done

# ---- 5. a failure inside the bootstrap reaches the user ----
# A "namespace" path that exists but is no namespace: setns fails in stage 1.
bundle badns '["true"]'
python3 - "$work/badns/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for n in c["linux"]["namespaces"]:
    if n["type"] == "network":
        n["path"] = "/etc/hostname"
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
for r in runc runc-stock; do
  rc=0
  out=$(cd "$work/badns" && timeout 60 "$bin/$r" --root "$root" run "e2e-badns-$r" 2>&1) || rc=$?
  [ "$rc" = 1 ] || fail "$r badns: exit status $rc (want 1): $out"
  # runc's nsexec joins in stage 1; nsboot's two-process plan in stage 0.
  stage=1
  [ "$r" = runc ] && stage=0
  grep -q "level=fatal msg=\"nsexec-$stage\[[0-9]*\]: .*net" <<< "$out" ||
    fail "$r badns: no FATAL line from stage $stage about the net namespace: $out"
  grep -q "can't get final child's PID from pipe: EOF" <<< "$out" ||
    fail "$r badns: unexpected error from runc: $out"
  ok "$r badns: exit 1, stage $stage's FATAL line forwarded: $(grep -o "nsexec-$stage[^\"]*" <<< "$out" | head -n1)"
done

echo "runc_e2e_test: all checks passed"
