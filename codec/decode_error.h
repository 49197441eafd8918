// Errors of the codecs. Every rejection of input bytes is an
// absl::InvalidArgumentError whose message starts with "offset N: " (N is the
// byte offset in the message where the problem is) and that carries N as a
// payload, so the executor can report it in a structured Error reply.
#ifndef NSBOOT_CODEC_DECODE_ERROR_H_
#define NSBOOT_CODEC_DECODE_ERROR_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nsboot {
namespace codec {

// Payload type URL under which the byte offset is stored (8 bytes,
// little-endian u64).
inline constexpr absl::string_view kByteOffsetPayloadUrl =
    "type.nsboot.dev/byte_offset";

// InvalidArgument: "offset <offset>: <reason>", with the offset payload.
absl::Status DecodeError(uint64_t offset, absl::string_view reason);

// The byte offset a DecodeError carries, or nullopt for any other status.
std::optional<uint64_t> DecodeErrorOffset(const absl::Status& status);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_DECODE_ERROR_H_
