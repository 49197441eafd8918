"""runc's netlink bootstrap message, standard library only.

The same bytes runc 1.1.5's Go parent writes on the init pipe
(docs/PROTOCOL.md, "Netlink encoding (runc)"), and a decoder for them.
`Request` mirrors nsboot.v1.BootstrapRequest with plain Python values, so a
tool that only speaks runc's format needs nothing beyond the standard
library:

    req = Request(create_namespaces=["mnt", "uts", "pid", "net"],
                  rootless_euid=False)
    data = encode(req, dialect="runc-1.1")

Everything is host byte order, as in runc (the message never leaves the
host).
"""

import dataclasses
import re
import struct

from typing import List, Optional, Tuple

INIT_MSG = 62000
NLM_F_REQUEST = 1
HEADER_SIZE = 16
MAX_MESSAGE_SIZE = 1 << 20
MAX_ATTRIBUTE_SIZE = 0xFFFF

CLONE_FLAGS = 27281
NS_PATHS = 27282
UIDMAP = 27283
GIDMAP = 27284
SETGROUP = 27285
OOM_SCORE_ADJ = 27286
ROOTLESS_EUID = 27287
UIDMAPPATH = 27288
GIDMAPPATH = 27289
MOUNT_SOURCES = 27290  # runc 1.1
TIMENSOFFSET = 27290  # runc 1.2+

DIALECTS = ("runc-1.1", "runc-1.2")

# runc 1.1.5 bootstrapData's order; also the order of the attributes a
# layout does not list.
RUNC_ORDER = (CLONE_FLAGS, NS_PATHS, UIDMAPPATH, UIDMAP, GIDMAP, GIDMAPPATH,
              SETGROUP, OOM_SCORE_ADJ, ROOTLESS_EUID, MOUNT_SOURCES)

# Namespace names as in /proc/PID/ns and NS_PATHS, in nsboot's enum order
# (NAMESPACE_MOUNT = 1 ... NAMESPACE_TIME = 8), with their clone flags.
NAMESPACES = (
    ("mnt", 0x00020000),
    ("uts", 0x04000000),
    ("ipc", 0x08000000),
    ("user", 0x10000000),
    ("pid", 0x20000000),
    ("net", 0x40000000),
    ("cgroup", 0x02000000),
    ("time", 0x00000080),
)
_FLAG = dict(NAMESPACES)
CLOCKS = ("monotonic", "boottime")


@dataclasses.dataclass
class Layout:
    """How a message was laid out (BootstrapRequest.netlink_layout)."""
    attribute_order: List[int] = dataclasses.field(default_factory=list)
    flags: Optional[int] = None
    sequence: Optional[int] = None
    port: Optional[int] = None


@dataclasses.dataclass
class Request:
    """nsboot.v1.BootstrapRequest, as much of it as netlink carries.

    Namespaces are named as in /proc/PID/ns ("mnt", "net", ...); id maps are
    (container_id, host_id, size); setgroups is True (ALLOW), False (DENY)
    or None; time offsets are (clock, seconds, nanoseconds) with clock
    "monotonic" or "boottime". None means "not set" for the optional fields.
    """
    create_namespaces: List[str] = dataclasses.field(default_factory=list)
    join_namespaces: List[Tuple[str, bytes]] = dataclasses.field(
        default_factory=list)
    uid_mappings: List[Tuple[int, int, int]] = dataclasses.field(
        default_factory=list)
    gid_mappings: List[Tuple[int, int, int]] = dataclasses.field(
        default_factory=list)
    setgroups: Optional[bool] = None
    oom_score_adj: Optional[int] = None
    rootless_euid: Optional[bool] = None
    uidmap_helper: bytes = b""
    gidmap_helper: bytes = b""
    time_offsets: List[Tuple[str, int, int]] = dataclasses.field(
        default_factory=list)
    mount_sources: List[bytes] = dataclasses.field(default_factory=list)
    layout: Optional[Layout] = None


class NetlinkError(ValueError):
    """A message that cannot be encoded or decoded; `offset` is the byte
    offset of the problem when decoding (None when encoding)."""

    def __init__(self, reason, offset=None):
        super().__init__(reason if offset is None else
                         "offset %d: %s" % (offset, reason))
        self.offset = offset


def _b(value):
    return value.encode() if isinstance(value, str) else bytes(value)


def _check_dialect(dialect):
    if dialect not in DIALECTS:
        raise NetlinkError("unknown dialect %r (want one of %s)" %
                           (dialect, ", ".join(DIALECTS)))


def _is_set(req, attr, dialect):
    return {
        CLONE_FLAGS: bool(req.create_namespaces),
        NS_PATHS: bool(req.join_namespaces),
        UIDMAP: bool(req.uid_mappings),
        GIDMAP: bool(req.gid_mappings),
        SETGROUP: req.setgroups is not None,
        OOM_SCORE_ADJ: req.oom_score_adj is not None,
        ROOTLESS_EUID: req.rootless_euid is not None,
        UIDMAPPATH: bool(req.uidmap_helper),
        GIDMAPPATH: bool(req.gidmap_helper),
        MOUNT_SOURCES: bool(req.mount_sources if dialect == "runc-1.1"
                            else req.time_offsets),
    }[attr]


def _u32_attr(attr, value):
    # runc's Int32msg and Boolmsg: nla_len 8, a host-order u32.
    return struct.pack("=HHI", 8, attr, value)


def _text_attr(attr, text):
    # runc's Bytemsg: the payload plus a NUL that nla_len counts, padded to 4.
    nla_len = 4 + len(text) + 1
    if nla_len > MAX_ATTRIBUTE_SIZE:
        raise NetlinkError(
            "attribute %d would be %d bytes, over netlink's limit of 65535 "
            "(CVE-2021-43784)" % (attr, nla_len))
    padded = (nla_len + 3) & ~3
    return struct.pack("=HH", nla_len, attr) + text + b"\0" * (
        padded - nla_len + 1)


def _maps(maps):
    return b"".join(b"%d %d %d\n" % tuple(m) for m in maps)


def _emit(req, attr, dialect):
    if attr == CLONE_FLAGS:
        flags = 0
        for ns in req.create_namespaces:
            flags |= _FLAG[ns]
        return _u32_attr(attr, flags)
    if attr == SETGROUP:
        # runc only ever sends it as true; DENY is written as 0.
        return _u32_attr(attr, 1 if req.setgroups else 0)
    if attr == ROOTLESS_EUID:
        return _u32_attr(attr, 1 if req.rootless_euid else 0)
    if attr == NS_PATHS:
        return _text_attr(attr, b",".join(
            _b(name) + b":" + _b(path) for name, path in req.join_namespaces))
    if attr == UIDMAP:
        return _text_attr(attr, _maps(req.uid_mappings))
    if attr == GIDMAP:
        return _text_attr(attr, _maps(req.gid_mappings))
    if attr == OOM_SCORE_ADJ:
        return _text_attr(attr, b"%d" % req.oom_score_adj)
    if attr == UIDMAPPATH:
        return _text_attr(attr, _b(req.uidmap_helper))
    if attr == GIDMAPPATH:
        return _text_attr(attr, _b(req.gidmap_helper))
    if attr == MOUNT_SOURCES and dialect == "runc-1.1":
        return _text_attr(attr, b"".join(
            _b(s) + b"\0" for s in req.mount_sources))
    if attr == TIMENSOFFSET:
        return _text_attr(attr, b"".join(
            b"%s %d %d\n" % (_b(c), s, n) for c, s, n in req.time_offsets))
    raise NetlinkError("unknown attribute type %d" % attr)


def _check_encodable(req, dialect):
    for ns in req.create_namespaces:
        if ns not in _FLAG:
            raise NetlinkError("create_namespaces: unknown namespace %r" % ns)
    seen = set()
    for i, (name, path) in enumerate(req.join_namespaces):
        path = _b(path)
        if name not in _FLAG or name in seen:
            raise NetlinkError("join_namespaces[%d]: unknown or repeated "
                               "namespace %r" % (i, name))
        seen.add(name)
        if not path.startswith(b"/") or b"," in path or b"\0" in path:
            raise NetlinkError("join_namespaces[%d].path: must be absolute, "
                               "without ',' or NUL" % i)
    for field in ("uid_mappings", "gid_mappings"):
        maps = getattr(req, field)
        if len(maps) > 340:
            raise NetlinkError("%s: more than 340 lines" % field)
        for c, h, n in maps:
            if n < 1 or c < 0 or h < 0 or c + n > 1 << 32 or h + n > 1 << 32:
                raise NetlinkError("%s: bad line %d %d %d" % (field, c, h, n))
    if req.oom_score_adj is not None and not -1000 <= req.oom_score_adj <= 1000:
        raise NetlinkError("oom_score_adj: outside -1000..1000")
    if dialect == "runc-1.2" and req.mount_sources:
        raise NetlinkError("mount_sources: runc 1.2+ has no MOUNT_SOURCES "
                           "attribute (27290 is TIMENSOFFSET there)")
    if dialect == "runc-1.1" and req.time_offsets:
        raise NetlinkError("time_offsets: runc 1.1 has no TIMENSOFFSET "
                           "attribute (27290 is MOUNT_SOURCES there)")
    for clock, _, nanos in req.time_offsets:
        if clock not in CLOCKS or not 0 <= nanos < 10**9:
            raise NetlinkError("time_offsets: bad offset for %r" % clock)


def encode(req, dialect="runc-1.1"):
    """The bytes runc writes for `req` (or its recorded layout)."""
    _check_dialect(dialect)
    _check_encodable(req, dialect)
    layout = req.layout
    body = []
    emitted = set()
    if layout is not None:
        # The recorded order first; CLONE_FLAGS, when listed, even if 0.
        for attr in layout.attribute_order:
            if attr not in RUNC_ORDER or attr in emitted:
                raise NetlinkError("netlink_layout.attribute_order: bad "
                                   "attribute type %d" % attr)
            emitted.add(attr)
            if attr == CLONE_FLAGS or _is_set(req, attr, dialect):
                body.append(_emit(req, attr, dialect))
    for attr in RUNC_ORDER:
        if attr in emitted:
            continue
        # Without a layout runc always sends CLONE_FLAGS and ROOTLESS_EUID.
        always = layout is None and attr in (CLONE_FLAGS, ROOTLESS_EUID)
        if always or _is_set(req, attr, dialect):
            body.append(_emit(req, attr, dialect))
    body = b"".join(body)
    length = HEADER_SIZE + len(body)
    if length > MAX_MESSAGE_SIZE:
        raise NetlinkError("the message would be %d bytes, over the cap of "
                           "%d" % (length, MAX_MESSAGE_SIZE))

    def pick(value, default):
        return default if layout is None or value is None else value

    return struct.pack("=IHHII", length, INIT_MSG,
                       pick(layout and layout.flags, NLM_F_REQUEST),
                       pick(layout and layout.sequence, 1),
                       pick(layout and layout.port, 0)) + body


# ---------------------------------------------------------------------------
# Decoding: strict, like nsboot's C++ decoder (offsets name the bad byte).
# ---------------------------------------------------------------------------

_DEC = re.compile(rb"0|[1-9][0-9]*")
_SDEC = re.compile(rb"0|-?[1-9][0-9]*")


def _number(text, offset, signed=False):
    if not (_SDEC if signed else _DEC).fullmatch(text):
        raise NetlinkError("%r is not a canonical decimal" % text, offset)
    return int(text)


def _lines(text, offset, what):
    if not text.endswith(b"\n"):
        raise NetlinkError("%s does not end with a newline" % what,
                           offset + len(text))
    pos = offset
    for line in text[:-1].split(b"\n"):
        yield pos, line.split(b" ")
        pos += len(line) + 1


def _decode_maps(text, offset, what):
    maps = []
    for pos, fields in _lines(text, offset, what):
        if len(fields) != 3:
            raise NetlinkError("%s line is not '<container> <host> <size>'"
                               % what, pos)
        c, h, n = (_number(f, pos) for f in fields)
        if n < 1 or c + n > 1 << 32 or h + n > 1 << 32:
            raise NetlinkError("%s line %d %d %d is out of range" %
                               (what, c, h, n), pos)
        maps.append((c, h, n))
    if not 1 <= len(maps) <= 340:
        raise NetlinkError("%s has %d lines (1..340)" % (what, len(maps)),
                           offset)
    return maps


def _path(text, offset, what):
    if not text.startswith(b"/") or len(text) > 4095:
        raise NetlinkError("%s is not an absolute path of at most 4095 bytes"
                           % what, offset)
    return text


def decode(data, dialect="runc-1.1"):
    """Decodes one whole message into a Request (layout included)."""
    _check_dialect(dialect)
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise NetlinkError("truncated netlink header: %d of 16 bytes" %
                           len(data), len(data))
    length, msg_type, flags, seq, port = struct.unpack_from("=IHHII", data)
    if not HEADER_SIZE <= length <= MAX_MESSAGE_SIZE:
        raise NetlinkError("nlmsg_len %d is outside 16..%d" %
                           (length, MAX_MESSAGE_SIZE), 0)
    if msg_type != INIT_MSG:
        raise NetlinkError("nlmsg_type %d is not runc's INIT_MSG 62000" %
                           msg_type, 4)
    if len(data) < length:  # offset: where the missing bytes begin
        raise NetlinkError("truncated: %d of the %d bytes of nlmsg_len" %
                           (len(data), length), len(data))
    if len(data) > length:
        raise NetlinkError("%d bytes after the message" %
                           (len(data) - length), length)
    req = Request(layout=Layout(flags=flags, sequence=seq, port=port))
    pos = HEADER_SIZE
    while pos < length:
        if length - pos < 4:
            raise NetlinkError("%d bytes left, too few for an attribute "
                               "header" % (length - pos), pos)
        nla_len, attr = struct.unpack_from("=HH", data, pos)
        if nla_len < 4:
            raise NetlinkError("nla_len %d is shorter than the 4-byte "
                               "attribute header" % nla_len, pos)
        end = pos + nla_len
        padded = pos + ((nla_len + 3) & ~3)
        if padded > length:
            raise NetlinkError("attribute of %d bytes (padded) runs past the "
                               "end" % (padded - pos), pos)
        if any(data[end:padded]):
            raise NetlinkError("nonzero attribute padding byte",
                               end + next(i for i, b in
                                          enumerate(data[end:padded]) if b))
        if attr not in RUNC_ORDER:
            raise NetlinkError("unknown attribute type %d" % attr, pos)
        if attr in req.layout.attribute_order:
            raise NetlinkError("attribute type %d appears twice" % attr, pos)
        req.layout.attribute_order.append(attr)
        _decode_attr(req, attr, data[pos + 4:end], pos + 4, dialect)
        pos = padded
    return req


def _decode_attr(req, attr, payload, offset, dialect):
    if attr in (CLONE_FLAGS, SETGROUP, ROOTLESS_EUID):
        if len(payload) != 4:
            raise NetlinkError("fixed attribute %d has nla_len %d, not 8" %
                               (attr, len(payload) + 4), offset - 4)
        (value,) = struct.unpack("=I", payload)
        if attr == CLONE_FLAGS:
            if value & ~0x7E020080:
                raise NetlinkError("clone flags 0x%x are not all CLONE_NEW*"
                                   % value, offset)
            req.create_namespaces = [n for n, f in NAMESPACES if value & f]
            return
        if value not in (0, 1):
            raise NetlinkError("bool %d is neither 0 nor 1" % value, offset)
        if attr == SETGROUP:
            req.setgroups = bool(value)
        else:
            req.rootless_euid = bool(value)
        return
    if not payload.endswith(b"\0"):
        raise NetlinkError("text attribute %d has no terminating NUL" % attr,
                           offset - 4)
    text = payload[:-1]
    if attr == MOUNT_SOURCES and dialect == "runc-1.1":
        if not text.endswith(b"\0"):
            raise NetlinkError("the last mount source has no NUL",
                               offset + len(text))
        sources = text[:-1].split(b"\0")
        if len(sources) > 1024:
            raise NetlinkError("more than 1024 mount sources", offset)
        for s in sources:
            if s:
                _path(s, offset, "mount source")
        req.mount_sources = sources
        return
    if b"\0" in text:
        raise NetlinkError("NUL inside text attribute %d" % attr,
                           offset + text.index(b"\0"))
    if attr == NS_PATHS:
        pos = offset
        for entry in text.split(b","):
            name, sep, path = entry.partition(b":")
            name = name.decode("ascii", "replace")
            if not sep or name not in _FLAG:
                raise NetlinkError("NS_PATHS entry %r is not <name>:<path> "
                                   "with a known name" % entry, pos)
            if any(n == name for n, _ in req.join_namespaces):
                raise NetlinkError("second NS_PATHS entry for %s" % name, pos)
            req.join_namespaces.append(
                (name, _path(path, pos + len(name) + 1, "namespace path")))
            pos += len(entry) + 1
    elif attr == UIDMAP:
        req.uid_mappings = _decode_maps(text, offset, "UIDMAP")
    elif attr == GIDMAP:
        req.gid_mappings = _decode_maps(text, offset, "GIDMAP")
    elif attr == OOM_SCORE_ADJ:
        value = _number(text, offset, signed=True)
        if not -1000 <= value <= 1000:
            raise NetlinkError("oom_score_adj %d is outside -1000..1000" %
                               value, offset)
        req.oom_score_adj = value
    elif attr == UIDMAPPATH:
        req.uidmap_helper = _path(text, offset, "UIDMAPPATH")
    elif attr == GIDMAPPATH:
        req.gidmap_helper = _path(text, offset, "GIDMAPPATH")
    else:  # TIMENSOFFSET, runc 1.2+
        for pos, fields in _lines(text, offset, "TIMENSOFFSET"):
            if len(fields) != 3 or fields[0].decode("ascii", "replace") not in CLOCKS:
                raise NetlinkError("TIMENSOFFSET line is not '<monotonic|"
                                   "boottime> <secs> <nanosecs>'", pos)
            clock = fields[0].decode()
            secs = _number(fields[1], pos, signed=True)
            nanos = _number(fields[2], pos)
            if not -(1 << 63) <= secs < 1 << 63 or nanos >= 10**9:
                raise NetlinkError("time offset out of range", pos)
            if any(c == clock for c, _, _ in req.time_offsets):
                raise NetlinkError("second TIMENSOFFSET line for %s" % clock,
                                   pos)
            req.time_offsets.append((clock, secs, nanos))


