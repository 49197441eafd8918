// Errors of the codecs. Every rejection of input bytes is an InvalidArgument
// nsboot::Status whose message starts with "offset N: " (N is the byte
// offset in the message where the problem is) and that carries N as
// byte_offset(), so the executor can report it in a structured Error reply.
// Converted to absl::Status (common/status_absl.h), N travels as the
// kByteOffsetPayloadUrl payload.
#ifndef NSBOOT_CODEC_DECODE_ERROR_H_
#define NSBOOT_CODEC_DECODE_ERROR_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "common/status.h"

namespace absl {
ABSL_NAMESPACE_BEGIN
class Status;
ABSL_NAMESPACE_END
}  // namespace absl

namespace nsboot {
namespace codec {

// InvalidArgument: "offset <offset>: <reason>", with the offset.
Status DecodeError(uint64_t offset, absl::string_view reason);

// The byte offset a DecodeError carries, or nullopt for any other status.
std::optional<uint64_t> DecodeErrorOffset(const Status& status);
// The same for a DecodeError converted to absl::Status (its payload);
// decode_error_absl.cc, //codec:decode_error_absl.
std::optional<uint64_t> DecodeErrorOffset(const absl::Status& status);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_DECODE_ERROR_H_
