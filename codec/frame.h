// nsboot's native encoding: one protobuf message in a 12-byte frame.
//
//   offset 0  4 bytes  magic "NSBT" (0x4E 0x53 0x42 0x54)
//   offset 4  u8       frame format version, kFrameVersion (1)
//   offset 5  u8       kind: 1 = BootstrapRequest, 2 = BootstrapReply
//   offset 6  u16      flags, little-endian; none defined, must be 0
//   offset 8  u32      payload length, little-endian, <= kMaxFramePayloadSize
//   offset 12 ...      payload: the serialized protobuf message
//
// The first 8 bytes tell a frame from runc's netlink message unambiguously:
// netlink bytes 4..5 are the message type 62000 (0x30 0xF2 little-endian,
// 0xF2 0x30 big-endian), which no frame version/kind pair equals; and "NSBT"
// read as a netlink length is about 1.4 GB, far over the netlink cap.
// docs/PROTOCOL.md, "Framed protobuf encoding", is the normative text.
#ifndef NSBOOT_CODEC_FRAME_H_
#define NSBOOT_CODEC_FRAME_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "codec/limits.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {

inline constexpr char kFrameMagic[4] = {'N', 'S', 'B', 'T'};
inline constexpr uint8_t kFrameVersion = 1;
inline constexpr uint32_t kFrameHeaderSize = 12;
// kMaxFramePayloadSize: codec/limits.h.

enum class FrameKind : uint8_t {
  kRequest = 1,
  kReply = 2,
};

struct FrameHeader {
  FrameKind kind;
  uint32_t payload_size;
};

// Validates the first kFrameHeaderSize bytes of a frame: magic, version,
// a known kind, zero flags and a payload length within the cap.
// Errors are codec::DecodeError with the offset of the bad field.
StatusOr<FrameHeader> ParseFrameHeader(absl::string_view header);

// Checks one whole frame of kind `want` (header, then exactly the payload
// length it announces, nothing after it) and returns its payload.
StatusOr<absl::string_view> FramePayload(absl::string_view frame,
                                         FrameKind want);

// Decodes one whole request frame (header + payload, nothing after it).
// Strict: unknown fields anywhere in the request are rejected, and the
// result passes codec::ValidateRequest. DecodeRequestFramePlain is the
// implementation (codec/wire.h; no protobuf runtime, for the pre-main
// path); DecodeRequestFrame converts its result (frame_proto.cc).
StatusOr<v1::plain::BootstrapRequest> DecodeRequestFramePlain(
    absl::string_view frame);
StatusOr<v1::BootstrapRequest> DecodeRequestFrame(absl::string_view frame);

// Decodes one whole reply frame with libprotobuf. Lenient to unknown fields
// (a newer child may send more than this parent knows).
StatusOr<v1::BootstrapReply> DecodeReplyFrame(absl::string_view frame);

// Encodes a frame with deterministic serialization. Fails if the payload
// would exceed kMaxFramePayloadSize; EncodeRequestFrame also runs
// codec::ValidateRequest, so no encoder emits what the decoder rejects. The
// plain EncodeReplyFrame writes the same bytes as the generated one without
// the protobuf runtime (codec/wire.h).
StatusOr<std::string> EncodeRequestFrame(const v1::BootstrapRequest& request);
StatusOr<std::string> EncodeReplyFrame(const v1::BootstrapReply& reply);
StatusOr<std::string> EncodeReplyFrame(const v1::plain::BootstrapReply& reply);

// The 12-byte header of a frame of `kind` with a payload of `payload_size`
// bytes (<= kMaxFramePayloadSize).
std::string FrameHeaderBytes(FrameKind kind, uint32_t payload_size);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_FRAME_H_
