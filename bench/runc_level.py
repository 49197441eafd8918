#!/usr/bin/env python3
"""runc-level benchmark and soak: stock runc 1.1.5 against runc built with
nsboot (tools/runc-with-nsboot.sh), same source, same flags.

    bench/runc_level.py OUTDIR ITERATIONS SOAK_COUNT

OUTDIR holds runc and runc-stock (built by tools/runc-with-nsboot.sh if
missing). Times `runc run` of a busybox `true` container and
`runc exec CTR true` into a running container, and `runc --version` (the
hook inert), interleaved (each iteration runs both builds in alternating
order), medians; then soaks the nsboot build
with SOAK_COUNT `runc run`s and `runc exec`s, sequential and 4-way parallel,
counting fds, zombies, mounts and memory before and after.
"""
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

out, iterations, soak_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.makedirs(out, exist_ok=True)
builds = {"stock": os.path.join(out, "runc-stock"),
          "nsboot": os.path.join(out, "runc")}


def built_commit(runc):
    """The nsboot commit a runc from tools/runc-with-nsboot.sh was built at."""
    try:
        out = subprocess.run([runc, "--version"], capture_output=True,
                             text=True, timeout=10).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if line.startswith("commit: nsboot-"):
            return line[len("commit: nsboot-"):]
    return None


head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                      capture_output=True, text=True).stdout.strip()
# Binaries left in OUTDIR by an earlier run are reused only if they were
# built from this commit (a stale runc once got timed as the current one).
if head and all(os.access(p, os.X_OK) for p in builds.values()) and \
        built_commit(builds["nsboot"]) != head:
    for p in builds.values():
        os.remove(p)
if not all(os.access(p, os.X_OK) for p in builds.values()):
    env = dict(os.environ)
    env.setdefault("NSBOOT_BAZEL_OUTPUT_BASE", "/root/.cache/bazel-bench")
    r = subprocess.run(["bash", os.path.join(repo, "tools/runc-with-nsboot.sh"),
                        out], env=env, stdout=sys.stderr)
    if r.returncode != 0:
        print("skipped: tools/runc-with-nsboot.sh failed (status %d)" % r.returncode)
        sys.exit(0)
    # Its Bazel server would take CPU from the timed runs (bench/run.sh).
    subprocess.run(["bazel", "--output_base=" + env["NSBOOT_BAZEL_OUTPUT_BASE"],
                    "shutdown"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

busybox = shutil.which("busybox")
if busybox is None:
    print("skipped: no busybox (Debian busybox-static) for the rootfs")
    sys.exit(0)


def make_bundle(name, args):
    bundle = os.path.join(out, "bundle-" + name)
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"), exist_ok=True)
    for d in ("proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy(busybox, os.path.join(rootfs, "bin/busybox"))
    for applet in ("true", "sleep", "sh"):
        link = os.path.join(rootfs, "bin", applet)
        if not os.path.lexists(link):
            os.symlink("busybox", link)
    if os.path.exists(os.path.join(bundle, "config.json")):
        os.remove(os.path.join(bundle, "config.json"))
    subprocess.run([builds["stock"], "spec", "--bundle", bundle], check=True)
    with open(os.path.join(bundle, "config.json")) as f:
        config = json.load(f)
    config["process"]["args"] = args
    config["process"]["terminal"] = False
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f)
    return bundle


bundle_true = make_bundle("true", ["/bin/true"])
bundle_sleep = make_bundle("sleep", ["/bin/sleep", "1000000"])
roots = {k: os.path.join(out, "state-" + k) for k in builds}
DEVNULL = subprocess.DEVNULL


def runc(build, *args, check=True):
    # A detached container would hold a stderr pipe open: use a file.
    err = open(os.path.join(out, "runc-%s.stderr" % build), "w+")
    r = subprocess.run([builds[build], "--root", roots[build]] + list(args),
                       stdin=DEVNULL, stdout=DEVNULL, stderr=err)
    err.seek(0)
    r.stderr = err.read().encode()
    err.close()
    if check and r.returncode != 0:
        raise RuntimeError("%s runc %s: %d %s" % (build, " ".join(args),
                                                  r.returncode, r.stderr.decode()))
    return r.returncode


seq = [0]


def run_true(build):
    seq[0] += 1
    cid = "bench-%d-%d" % (os.getpid(), seq[0])
    t0 = time.perf_counter()
    runc(build, "run", "--bundle", bundle_true, cid)
    return time.perf_counter() - t0


def version(build):
    # The hook inert (no init pipe): what every plain runc invocation pays.
    t0 = time.perf_counter()
    subprocess.run([builds[build], "--version"], stdin=DEVNULL,
                   stdout=DEVNULL, stderr=DEVNULL, check=True)
    return time.perf_counter() - t0


def exec_true(build):
    t0 = time.perf_counter()
    runc(build, "exec", "sleeper", "/bin/true")
    return time.perf_counter() - t0


def load():
    with open("/proc/loadavg") as f:
        return f.read().strip()


for b in builds:
    runc(b, "delete", "--force", "sleeper", check=False)
    runc(b, "run", "-d", "--bundle", bundle_sleep, "sleeper")

print("# nsboot runc built at commit %s" % built_commit(builds["nsboot"]))
print("# load before: " + load())
ops = ("run", "exec", "version")
samples = {(op, b): [] for op in ops for b in builds}
order = list(builds)
try:
    for i in range(iterations + 2):
        for b in (order if i % 2 == 0 else order[::-1]):
            t_run = run_true(b)
            t_exec = exec_true(b)
            t_version = version(b)
            if i >= 2:
                samples[("run", b)].append(t_run)
                samples[("exec", b)].append(t_exec)
                samples[("version", b)].append(t_version)
    print("# load after: " + load())
    print("# %d iterations each, interleaved; ms" % iterations)
    print("| operation | stock runc 1.1.5 | runc + nsboot | nsboot / stock |")
    print("|---|---:|---:|---:|")
    for op in ops:
        s = statistics.median(samples[(op, "stock")]) * 1000
        n = statistics.median(samples[(op, "nsboot")]) * 1000
        what = "runc --version" if op == "version" else "runc %s ... true" % op
        print("| %s | %.2f | %.2f | %.2f |" % (what, s, n, n / s))

    # Soak: the nsboot build only.
    def counts():
        def lines(p):
            with open(p) as f:
                return sum(1 for _ in f)
        zombies = 0
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open("/proc/%s/stat" % pid) as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                            zombies += 1
                except (OSError, IndexError):
                    pass
        meminfo = dict(l.split(":", 1) for l in open("/proc/meminfo"))
        return {
            "fds": len(os.listdir("/proc/self/fd")),
            "zombies(machine)": zombies,
            "mounts(self)": lines("/proc/self/mountinfo"),
            "mounts(pid1)": lines("/proc/1/mountinfo"),
            "containers": len(os.listdir(roots["nsboot"])),
            "Shmem": meminfo["Shmem"].strip(),
            "MemAvailable": meminfo["MemAvailable"].strip(),
        }

    for op, fn in (("run", run_true), ("exec", exec_true)):
        for par in (1, 4):
            before = counts()
            t0 = time.time()
            failures = 0
            with concurrent.futures.ThreadPoolExecutor(par) as pool:
                futs = [pool.submit(fn, "nsboot") for _ in range(soak_count)]
                for f in futs:
                    try:
                        f.result()
                    except Exception as e:  # noqa: BLE001
                        failures += 1
                        print("soak failure: %s" % e, file=sys.stderr)
            after = counts()
            print("soak runc %s (nsboot build): %d, %d-way, %.1f s, %d failures"
                  % (op, soak_count, par, time.time() - t0, failures))
            print("  before: " + " ".join("%s=%s" % kv for kv in before.items()))
            print("  after : " + " ".join("%s=%s" % kv for kv in after.items()))
finally:
    for b in builds:
        runc(b, "delete", "--force", "sleeper", check=False)
