"""Unit tests of nsbootparent's codecs against the golden runc vectors."""

import glob
import os
import struct
import unittest

from google.protobuf import text_format

from nsbootparent import frame, netlink

VECTORS = sorted(glob.glob("tests/vectors/*.textproto"))


def load(path):
    with open(path) as f:
        text = f.read()
    dialect = text.splitlines()[0].split(": ")[1]
    request = text_format.Parse(text, frame.pb.BootstrapRequest())
    with open(path[:-len(".textproto")] + ".netlink.bin", "rb") as f:
        return dialect, request, f.read(), "# runc-default-layout: yes" in text


def message(*attrs, seq=1):
    body = b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), 62000, 1, seq, 0) + body


class VectorsTest(unittest.TestCase):
    def test_found_all(self):
        self.assertEqual(len(VECTORS), 11)

    def test_encode_is_byte_exact(self):
        for path in VECTORS:
            with self.subTest(path):
                dialect, request, data, _ = load(path)
                self.assertEqual(
                    netlink.encode(frame.to_netlink(request), dialect), data)

    def test_decode_gives_the_textproto(self):
        for path in VECTORS:
            with self.subTest(path):
                dialect, request, data, _ = load(path)
                self.assertEqual(
                    frame.from_netlink(netlink.decode(data, dialect)), request)

    def test_without_layout_runc_default_order(self):
        # Vectors made by bootstrapData in a fresh process are exactly what
        # a request without netlink_layout encodes to.
        for path in VECTORS:
            dialect, request, data, default = load(path)
            if not default:
                continue
            with self.subTest(path):
                request.ClearField("netlink_layout")
                self.assertEqual(
                    netlink.encode(frame.to_netlink(request), dialect), data)

    def test_frame_round_trip(self):
        for path in VECTORS:
            with self.subTest(path):
                _, request, _, _ = load(path)
                f = frame.encode_request(request)
                self.assertEqual(f[:8], b"NSBT\x01\x01\x00\x00")
                self.assertEqual(frame.decode_request(f), request)


class NetlinkRejectsTest(unittest.TestCase):
    def assertRejected(self, data, offset, dialect="runc-1.1"):
        with self.assertRaises(netlink.NetlinkError) as cm:
            netlink.decode(data, dialect)
        self.assertEqual(cm.exception.offset, offset, str(cm.exception))

    def test_malformed(self):
        clone = struct.pack("=HHI", 8, 27281, 0)
        self.assertRejected(message(clone)[:10], 10)
        self.assertRejected(message(struct.pack("=HH", 0, 27281)), 16)
        self.assertRejected(message(struct.pack("=HHI", 8, 27299, 0)), 16)
        self.assertRejected(message(clone, clone), 24)  # duplicate
        self.assertRejected(message(struct.pack("=HHI", 8, 27287, 2)), 20)
        self.assertRejected(message(struct.pack("=HHI", 8, 27281, 1)), 20)
        self.assertRejected(message(struct.pack("=HH4s", 7, 27286, b"5\0\0x")),
                            23)  # padding not zero
        self.assertRejected(message(struct.pack("=HH4s", 7, 27286, b"05\0\0")),
                            20)  # not canonical
        wrong = bytearray(message(clone))
        wrong[4:6] = struct.pack("=H", 2)
        self.assertRejected(bytes(wrong), 4)

    def test_encode_refuses(self):
        r = netlink.Request(time_offsets=[("boottime", 1, 0)])
        self.assertRaises(netlink.NetlinkError, netlink.encode, r, "runc-1.1")
        r = netlink.Request(join_namespaces=[("net", b"/a," + b"b")])
        self.assertRaises(netlink.NetlinkError, netlink.encode, r)
        # CVE-2021-43784: no Bytemsg over 65535 bytes.
        r = netlink.Request(join_namespaces=[("net", b"/" + b"x" * 70000)])
        self.assertRaises(netlink.NetlinkError, netlink.encode, r)
        request = frame.pb.BootstrapRequest()
        request.options.reply_pidfds = True
        self.assertRaises(netlink.NetlinkError, frame.to_netlink, request)


class FrameTest(unittest.TestCase):
    def test_requests_are_strict_replies_lenient(self):
        unknown = b"\xa0\x06\x01"  # field 100, varint 1
        req = b"NSBT\x01\x01\x00\x00" + struct.pack("<I", 3) + unknown
        with self.assertRaises(frame.FrameError):
            frame.decode_request(req)
        reply = b"NSBT\x01\x02\x00\x00" + struct.pack("<I", 3) + unknown
        self.assertIsNone(frame.decode_reply(reply).WhichOneof("reply"))

    def test_bad_headers(self):
        good = frame.encode_request(frame.pb.BootstrapRequest())
        for offset, patched in ((0, b"NSBX" + good[4:]),
                                (4, good[:4] + b"\x02" + good[5:]),
                                (5, good[:5] + b"\x07" + good[6:]),
                                (6, good[:6] + b"\x01" + good[7:])):
            with self.subTest(offset):
                with self.assertRaises(frame.FrameError) as cm:
                    frame.decode_request(patched)
                self.assertEqual(cm.exception.offset, offset)


if __name__ == "__main__":
    unittest.main()
