"""Spawning an nsboot-embedded program with an init pipe and playing its parent.

    from nsbootparent import netlink, process
    req = netlink.Request(create_namespaces=["mnt", "uts", "pid", "net"],
                          rootless_euid=False)
    result = process.run_runc(["./host"], req, dialect="runc-1.1")
    print(result.stage2_pid, result.error, result.stdout)

run_runc needs only the standard library; run_native (framed protobuf)
imports `frame`, hence python3-protobuf.

The stage processes are created with CLONE_PARENT: stages 1 and 2 are
children of *this* process, which must reap them. Both functions do, for the
pids the child reports. On a failure after stage 1 was created the child
kills what it created but cannot report the pids; a long-lived parent reaps
those with os.waitpid(-1, ...) (see reap_strays).
"""

import dataclasses
import json
import os
import re
import socket
import subprocess
import threading
from typing import List, Optional

STAGES = {"nsexec": "READER", "nsexec-0": "PARENT", "nsexec-1": "CHILD",
          "nsexec-2": "INIT"}


@dataclasses.dataclass
class RuncLog:
    """One line of runc's log pipe: {"level": ..., "msg": "nsexec-N[pid]: text"}."""
    level: str
    stage: str
    pid: int
    message: str


@dataclasses.dataclass
class Result:
    """What happened. `error` is set on failure (a BootstrapReply.Error for
    native, the fatal RuncLog for runc); the exit statuses are those of the
    spawned program (stage 0) and the stages it reported."""
    ok: bool = False
    stage1_pid: Optional[int] = None
    stage2_pid: Optional[int] = None
    error: object = None
    replies: list = dataclasses.field(default_factory=list)  # native
    logs: List[RuncLog] = dataclasses.field(default_factory=list)  # runc
    pidfds: List[int] = dataclasses.field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    exit_status: Optional[int] = None
    stage_exit_statuses: List[int] = dataclasses.field(default_factory=list)

    def report(self):
        """Parses the example host's key=value stdout."""
        return dict(line.split("=", 1) for line in self.stdout.splitlines()
                    if "=" in line)


def _spawn(argv, env_vars, child_fds):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(env_vars)
    return subprocess.Popen(argv, env=env, pass_fds=child_fds,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _exit_status(status):
    return os.waitstatus_to_exitcode(status)


def _finish(result, proc):
    out, err = proc.communicate()
    result.stdout = out.decode(errors="replace")
    result.stderr = err.decode(errors="replace")
    result.exit_status = proc.returncode
    for pid in (result.stage1_pid, result.stage2_pid):
        if pid:
            result.stage_exit_statuses.append(
                _exit_status(os.waitpid(pid, 0)[1]))
    return result


def reap_strays():
    """Reaps any exited child of this process (stages of a failed bootstrap
    whose pids were never reported). Only for a parent that owns all of its
    children."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# ---------------------------------------------------------------------------
# runc's protocol (standard library only)
# ---------------------------------------------------------------------------

_LOG_MSG = re.compile(r"(nsexec(?:-[012])?)\[(-?\d+)\]: (.*)", re.S)


def _parse_log(line):
    try:
        obj = json.loads(line)
        m = _LOG_MSG.fullmatch(obj.get("msg", ""))
    except ValueError:
        return RuncLog("unparsed", "?", 0, line)
    if not m:
        return RuncLog(obj.get("level", "?"), "?", 0, obj.get("msg", ""))
    return RuncLog(obj.get("level", "?"), STAGES[m.group(1)], int(m.group(2)),
                   m.group(3))


def run_runc(argv, request, dialect="runc-1.1", log_level=None):
    """Plays runc's parent: netlink message on _LIBCONTAINER_INITPIPE, then
    (runc 1.1) a NUL byte and the pid JSON back; log lines on
    _LIBCONTAINER_LOGPIPE. `request` is a netlink.Request or raw bytes."""
    from . import netlink
    data = request if isinstance(request, bytes) else netlink.encode(
        request, dialect)
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    log_r, log_w = os.pipe()
    env = {"_LIBCONTAINER_INITPIPE": str(child.fileno()),
           "_LIBCONTAINER_LOGPIPE": str(log_w),
           "NSBOOT_RUNC_DIALECT": "11" if dialect == "runc-1.1" else "12"}
    if log_level is not None:  # logrus numbering: 0 panic .. 6 trace
        env["_LIBCONTAINER_LOGLEVEL"] = str(log_level)
    if dialect == "runc-1.1" and getattr(request, "mount_sources", None):
        env["_LIBCONTAINER_MOUNT_FDS"] = json.dumps(
            [-1] * len(request.mount_sources))
    try:
        proc = _spawn(argv, env, (child.fileno(), log_w))
    finally:
        child.close()
        os.close(log_w)
    result = Result()
    logs = []

    def drain():  # the log pipe, concurrently: it must never fill up
        with os.fdopen(log_r, "r", errors="replace") as f:
            logs.extend(f)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with parent:
        parent.sendall(data)
        stream = parent.makefile("rb")
        if dialect == "runc-1.1":
            nul = stream.read(1)  # nsexec's "ready", before the bootstrap
            if nul not in (b"\0", b""):
                raise RuntimeError("expected a NUL byte, got %r" % nul)
        line = stream.readline()
        stream.close()
    if line:
        pids = json.loads(line)
        result.stage1_pid = pids["stage1_pid"]
        result.stage2_pid = pids["stage2_pid"]
    _finish(result, proc)
    reader.join()
    result.logs = [_parse_log(l) for l in logs]
    fatal = [l for l in result.logs if l.level in ("fatal", "panic")]
    if fatal:
        result.error = fatal[-1]
    elif not line:
        result.error = RuncLog("fatal", "?", 0, "no pid JSON on the init pipe;"
                               " stderr: " + result.stderr.strip())
    result.ok = result.error is None and result.exit_status == 0
    return result


# ---------------------------------------------------------------------------
# nsboot's native protocol (framed protobuf)
# ---------------------------------------------------------------------------

def _recv_exactly(sock, n, fds):
    buf = b""
    while len(buf) < n:
        data, ancdata, _, _ = sock.recvmsg(
            n - len(buf), socket.CMSG_SPACE(4 * 4))
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(payload) - len(payload) % 4
                fds.extend(int.from_bytes(payload[i:i + 4], "little")
                           for i in range(0, usable, 4))
        if not data:
            return None if not buf else buf
        buf += data
    return buf


def read_reply(sock, fds):
    """Reads one BootstrapReply frame (pidfds sent with it go to `fds`);
    None at EOF."""
    from . import frame
    header = _recv_exactly(sock, frame.HEADER_SIZE, fds)
    if header is None:
        return None
    _, length = frame.parse_header(header)
    payload = _recv_exactly(sock, length, fds) if length else b""
    if payload is None or len(header + payload) != frame.HEADER_SIZE + length:
        raise frame.FrameError("EOF inside a reply frame")
    return frame.decode_reply(header + payload)


def run_native(argv, request, env=None):
    """Plays a native parent: a request frame on NSBOOT_INITPIPE, then
    BootstrapReply frames until Pids or Error. `request` is a
    bootstrap_pb2.BootstrapRequest."""
    from . import frame
    data = frame.encode_request(request)
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    env_vars = {"NSBOOT_INITPIPE": str(child.fileno())}
    env_vars.update(env or {})
    try:
        proc = _spawn(argv, env_vars, (child.fileno(),))
    finally:
        child.close()
    result = Result()
    with parent:
        parent.sendall(data)
        while True:
            reply = read_reply(parent, result.pidfds)
            if reply is None:
                break
            result.replies.append(reply)
            kind = reply.WhichOneof("reply")
            if kind == "pids":
                result.stage1_pid = reply.pids.stage1_pid
                result.stage2_pid = reply.pids.stage2_pid
                break
            if kind == "error":
                result.error = reply.error
                break
    _finish(result, proc)
    if result.error is None and result.stage2_pid is None:
        result.error = frame.pb.Error(
            message=("EOF on the init pipe before Pids or Error; stderr: " +
                     result.stderr.strip()).encode())
    result.ok = result.error is None and result.exit_status == 0
    return result


def describe_error(error):
    """One line for a native Error or a runc fatal log."""
    if isinstance(error, RuncLog):
        return "stage %s (pid %d): %s" % (error.stage, error.pid,
                                          error.message)
    from . import frame
    pb = frame.pb
    text = "stage %s, step %s, errno %d, code %d: %s" % (
        pb.Stage.Name(error.stage).replace("STAGE_", ""),
        pb.Step.Name(error.step),
        error.errno_value, error.code,
        error.message.decode(errors="replace"))
    if error.HasField("byte_offset"):
        text += " (byte offset %d)" % error.byte_offset
    return text
