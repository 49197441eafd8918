package nsbootparent

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/proto"

	pb "github.com/nsboot/nsboot/proto/nsboot/v1"
)

// Frame layout (docs/PROTOCOL.md, "Framed protobuf encoding"): "NSBT",
// version 1, kind (1 request, 2 reply), u16 flags 0, u32 payload length,
// all little-endian, then the protobuf payload.
const (
	FrameHeaderSize = 12
	MaxFramePayload = 1 << 20
	KindRequest     = 1
	KindReply       = 2
)

var magic = []byte("NSBT")

func encodeFrame(kind byte, m proto.Message) ([]byte, error) {
	payload, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(payload) > MaxFramePayload {
		return nil, fmt.Errorf("payload of %d bytes is over the cap of %d", len(payload), MaxFramePayload)
	}
	out := make([]byte, FrameHeaderSize, FrameHeaderSize+len(payload))
	copy(out, magic)
	out[4], out[5] = 1, kind
	binary.LittleEndian.PutUint32(out[8:], uint32(len(payload)))
	return append(out, payload...), nil
}

// EncodeRequestFrame frames a request (deterministic serialization, as
// nsboot's own encoder).
func EncodeRequestFrame(r *pb.BootstrapRequest) ([]byte, error) { return encodeFrame(KindRequest, r) }

// EncodeReplyFrame frames a reply.
func EncodeReplyFrame(r *pb.BootstrapReply) ([]byte, error) { return encodeFrame(KindReply, r) }

// ParseFrameHeader checks the first 12 bytes and returns kind and payload length.
func ParseFrameHeader(h []byte) (kind byte, length uint32, err error) {
	switch {
	case len(h) < FrameHeaderSize:
		return 0, 0, errAt(len(h), "truncated frame header: %d of 12 bytes", len(h))
	case !bytes.Equal(h[:4], magic):
		return 0, 0, errAt(0, "bad magic %q (want \"NSBT\")", h[:4])
	case h[4] != 1:
		return 0, 0, errAt(4, "frame version %d is not supported (1)", h[4])
	case h[5] != KindRequest && h[5] != KindReply:
		return 0, 0, errAt(5, "unknown frame kind %d", h[5])
	case binary.LittleEndian.Uint16(h[6:]) != 0:
		return 0, 0, errAt(6, "flags set; none are defined")
	}
	length = binary.LittleEndian.Uint32(h[8:])
	if length > MaxFramePayload {
		return 0, 0, errAt(8, "payload length %d is over the cap of %d", length, MaxFramePayload)
	}
	return h[5], length, nil
}

func decodeFrame(f []byte, kind byte, m proto.Message) error {
	got, length, err := ParseFrameHeader(f)
	if err != nil {
		return err
	}
	if got != kind {
		return errAt(5, "frame kind %d, expected %d", got, kind)
	}
	if len(f) != FrameHeaderSize+int(length) {
		return errAt(8, "frame of %d bytes but the header says %d", len(f), FrameHeaderSize+int(length))
	}
	if err := proto.Unmarshal(f[FrameHeaderSize:], m); err != nil {
		return errAt(FrameHeaderSize, "malformed payload: %v", err)
	}
	return nil
}

// DecodeRequestFrame reads a request strictly, as the child does: unknown
// fields anywhere are an error.
func DecodeRequestFrame(f []byte) (*pb.BootstrapRequest, error) {
	r := &pb.BootstrapRequest{}
	if err := decodeFrame(f, KindRequest, r); err != nil {
		return nil, err
	}
	if hasUnknown(r.ProtoReflect()) {
		return nil, errAt(FrameHeaderSize, "the request has fields this schema does not know")
	}
	return r, nil
}

// DecodeReplyFrame reads a reply leniently: unknown fields are ignored.
func DecodeReplyFrame(f []byte) (*pb.BootstrapReply, error) {
	r := &pb.BootstrapReply{}
	if err := decodeFrame(f, KindReply, r); err != nil {
		return nil, err
	}
	return r, nil
}
