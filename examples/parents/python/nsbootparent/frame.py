"""nsboot's framed protobuf encoding (docs/PROTOCOL.md), with python3-protobuf.

    frame = encode_request(req)          # req: bootstrap_pb2.BootstrapRequest
    reply = decode_reply(frame_bytes)    # a BootstrapReply

Needs `nsboot.v1.bootstrap_pb2` on sys.path, generated from
proto/nsboot/v1/bootstrap.proto:

    protoc -Iproto --python_out=OUT proto/nsboot/v1/bootstrap.proto

(Bazel does this: //examples/parents/python:bootstrap_pb2.) It also converts
between BootstrapRequest and the standard-library `netlink.Request`.
"""

import struct

try:
    from nsboot.v1 import bootstrap_pb2 as pb
except ImportError as e:  # pragma: no cover
    raise ImportError(
        "nsboot.v1.bootstrap_pb2 not found: generate it with `protoc -Iproto "
        "--python_out=OUT proto/nsboot/v1/bootstrap.proto` and put OUT on "
        "PYTHONPATH") from e

from . import netlink

MAGIC = b"NSBT"
VERSION = 1
KIND_REQUEST = 1
KIND_REPLY = 2
HEADER_SIZE = 12
MAX_PAYLOAD = 1 << 20


class FrameError(ValueError):
    def __init__(self, reason, offset=None):
        super().__init__(reason if offset is None else
                         "offset %d: %s" % (offset, reason))
        self.offset = offset


def _encode(kind, message):
    payload = message.SerializeToString(deterministic=True)
    if len(payload) > MAX_PAYLOAD:
        raise FrameError("payload of %d bytes is over the cap of %d" %
                         (len(payload), MAX_PAYLOAD))
    return MAGIC + struct.pack("<BBHI", VERSION, kind, 0, len(payload)) + \
        payload


def encode_request(request):
    """A request frame (deterministic serialization, as nsboot's encoder)."""
    return _encode(KIND_REQUEST, request)


def encode_reply(reply):
    return _encode(KIND_REPLY, reply)


def parse_header(header):
    """(kind, payload length) from the first 12 bytes of a frame."""
    if len(header) < HEADER_SIZE:
        raise FrameError("truncated frame header: %d of 12 bytes" %
                         len(header), len(header))
    if header[:4] != MAGIC:
        raise FrameError("bad magic %r (want 'NSBT')" % header[:4], 0)
    version, kind, flags, length = struct.unpack_from("<BBHI", header, 4)
    if version != VERSION:
        raise FrameError("frame version %d is not supported (1)" % version, 4)
    if kind not in (KIND_REQUEST, KIND_REPLY):
        raise FrameError("unknown frame kind %d" % kind, 5)
    if flags:
        raise FrameError("flags 0x%x set; none are defined" % flags, 6)
    if length > MAX_PAYLOAD:
        raise FrameError("payload length %d is over the cap of %d" %
                         (length, MAX_PAYLOAD), 8)
    return kind, length


def _decode(frame, kind, message):
    got, length = parse_header(frame)
    if got != kind:
        raise FrameError("frame kind %d, expected %d" % (got, kind), 5)
    if len(frame) != HEADER_SIZE + length:
        raise FrameError("frame of %d bytes but the header says %d" %
                         (len(frame), HEADER_SIZE + length), 8)
    try:
        message.ParseFromString(bytes(frame[HEADER_SIZE:]))
    except Exception as e:  # DecodeError
        raise FrameError("malformed payload: %s" % e, HEADER_SIZE) from None
    return message


def decode_request(frame):
    """Strict, as the child reads requests: unknown fields are an error."""
    request = _decode(frame, KIND_REQUEST, pb.BootstrapRequest())
    known = pb.BootstrapRequest()
    known.CopyFrom(request)
    known.DiscardUnknownFields()
    if known.SerializeToString(deterministic=True) != \
            request.SerializeToString(deterministic=True):
        raise FrameError("the request has fields this schema does not know",
                         HEADER_SIZE)
    return request


def decode_reply(frame):
    """Lenient, as a parent reads replies: unknown fields are ignored."""
    return _decode(frame, KIND_REPLY, pb.BootstrapReply())


# ---------------------------------------------------------------------------
# BootstrapRequest <-> netlink.Request
# ---------------------------------------------------------------------------

_NS_ENUM = {name: i + 1 for i, (name, _) in enumerate(netlink.NAMESPACES)}
_NS_NAME = {v: k for k, v in _NS_ENUM.items()}
_CLOCK_ENUM = {"monotonic": pb.TIME_CLOCK_MONOTONIC,
               "boottime": pb.TIME_CLOCK_BOOTTIME}
_CLOCK_NAME = {v: k for k, v in _CLOCK_ENUM.items()}


def to_netlink(request):
    """A BootstrapRequest as a netlink.Request (joins by path only)."""
    if request.HasField("options"):
        raise netlink.NetlinkError("options: nsboot options cannot be "
                                   "carried by runc's netlink message")
    r = netlink.Request()
    r.create_namespaces = [_NS_NAME[n] for n in request.create_namespaces]
    for i, j in enumerate(request.join_namespaces):
        if j.WhichOneof("target") != "path":
            raise netlink.NetlinkError("join_namespaces[%d]: runc's netlink "
                                       "message can only join by path" % i)
        r.join_namespaces.append((_NS_NAME[j.type], j.path))
    r.uid_mappings = [(m.container_id, m.host_id, m.size)
                      for m in request.uid_mappings]
    r.gid_mappings = [(m.container_id, m.host_id, m.size)
                      for m in request.gid_mappings]
    if request.setgroups != pb.SETGROUPS_UNSPECIFIED:
        r.setgroups = request.setgroups == pb.SETGROUPS_ALLOW
    if request.HasField("oom_score_adj"):
        r.oom_score_adj = request.oom_score_adj
    if request.HasField("rootless_euid"):
        r.rootless_euid = request.rootless_euid
    r.uidmap_helper = request.uidmap_helper
    r.gidmap_helper = request.gidmap_helper
    r.time_offsets = [(_CLOCK_NAME[o.clock], o.seconds, o.nanoseconds)
                      for o in request.time_offsets]
    r.mount_sources = list(request.mount_sources)
    if request.HasField("netlink_layout"):
        lay = request.netlink_layout
        r.layout = netlink.Layout(
            attribute_order=list(lay.attribute_order),
            flags=lay.flags if lay.HasField("flags") else None,
            sequence=lay.sequence if lay.HasField("sequence") else None,
            port=lay.port if lay.HasField("port") else None)
    return r


def from_netlink(r):
    """A netlink.Request as a BootstrapRequest (layout included)."""
    request = pb.BootstrapRequest()
    request.create_namespaces.extend(_NS_ENUM[n] for n in r.create_namespaces)
    for name, path in r.join_namespaces:
        request.join_namespaces.add(type=_NS_ENUM[name], path=bytes(path))
    for field, maps in (("uid_mappings", r.uid_mappings),
                        ("gid_mappings", r.gid_mappings)):
        for c, h, n in maps:
            getattr(request, field).add(container_id=c, host_id=h, size=n)
    if r.setgroups is not None:
        request.setgroups = (pb.SETGROUPS_ALLOW if r.setgroups
                             else pb.SETGROUPS_DENY)
    if r.oom_score_adj is not None:
        request.oom_score_adj = r.oom_score_adj
    if r.rootless_euid is not None:
        request.rootless_euid = r.rootless_euid
    request.uidmap_helper = bytes(r.uidmap_helper)
    request.gidmap_helper = bytes(r.gidmap_helper)
    for clock, secs, nanos in r.time_offsets:
        request.time_offsets.add(clock=_CLOCK_ENUM[clock], seconds=secs,
                                 nanoseconds=nanos)
    request.mount_sources.extend(bytes(s) for s in r.mount_sources)
    if r.layout is not None:
        lay = request.netlink_layout
        lay.SetInParent()
        lay.attribute_order.extend(r.layout.attribute_order)
        for f in ("flags", "sequence", "port"):
            if getattr(r.layout, f) is not None:
                setattr(lay, f, getattr(r.layout, f))
    return request
