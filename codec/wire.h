// The v1 messages in protobuf's binary wire format, written against the
// plain mirrors (proto/nsboot/v1/plain.h) so that the pre-main path decodes
// requests and encodes replies without the protobuf runtime.
//
// ParseRequestPayload accepts exactly the payloads libprotobuf parses into a
// BootstrapRequest without unknown fields (the frame contract is strict),
// with the same result: packed and unpacked repeated scalars, last value
// wins for scalars and oneof members, repeated occurrences of a message
// field merge, varints are truncated to the field's width. Differences are
// only in what is refused earlier and with a better error:
//  * a field number the schema does not have, or a known number with the
//    wrong wire type (libprotobuf keeps both as unknown fields, which the
//    frame contract refuses), or a group;
//  * more entries in a repeated field than ValidateRequest accepts
//    (codec/limits.h), refused when the first one too many is read, so the
//    memory a payload can make us allocate is bounded by the limits rather
//    than by its element count.
// Errors are InvalidArgument from DecodeError, naming the byte offset
// (`base_offset` + position in the payload) and the field path.
// fuzz/wire_differential checks the equivalence against libprotobuf.
//
// SerializeReplyPayload writes the bytes libprotobuf's deterministic
// serialization writes for the same reply (field order, packed repeated
// scalars, proto3 defaults omitted); wire_test checks that too.
#ifndef NSBOOT_CODEC_WIRE_H_
#define NSBOOT_CODEC_WIRE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {

// Security: payloads over kMaxFramePayloadSize (codec/frame.h) are refused
// before any byte is parsed; nesting is fixed by the schema (depth 2).
StatusOr<v1::plain::BootstrapRequest> ParseRequestPayload(
    absl::string_view payload, uint64_t base_offset);

std::string SerializeReplyPayload(const v1::plain::BootstrapReply& reply);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_WIRE_H_
