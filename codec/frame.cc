#include "codec/frame.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/validate.h"
#include "codec/wire.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"

namespace nsboot {
namespace codec {
namespace {

uint32_t LoadLe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 |
         uint32_t{u[3]} << 24;
}

}  // namespace

StatusOr<FrameHeader> ParseFrameHeader(absl::string_view header) {
  if (header.size() < kFrameHeaderSize) {
    return DecodeError(header.size(),
                       StrCat("frame header truncated: ", header.size(), " of ",
                              kFrameHeaderSize, " bytes"));
  }
  if (std::memcmp(header.data(), kFrameMagic, sizeof(kFrameMagic)) != 0) {
    return DecodeError(0, "bad frame magic (want \"NSBT\")");
  }
  const auto version = static_cast<uint8_t>(header[4]);
  if (version != kFrameVersion) {
    return DecodeError(4, StrCat("unsupported frame version ", version,
                                 " (this side speaks ", kFrameVersion, ")"));
  }
  const auto kind = static_cast<uint8_t>(header[5]);
  if (kind != static_cast<uint8_t>(FrameKind::kRequest) &&
      kind != static_cast<uint8_t>(FrameKind::kReply)) {
    return DecodeError(5, StrCat("unknown frame kind ", kind));
  }
  if (header[6] != 0 || header[7] != 0) {
    return DecodeError(6, "reserved frame flags are not zero");
  }
  const uint32_t size = LoadLe32(header.data() + 8);
  if (size > kMaxFramePayloadSize) {
    return DecodeError(8, StrCat("payload length ", size,
                                 " exceeds the cap of ", kMaxFramePayloadSize));
  }
  return FrameHeader{static_cast<FrameKind>(kind), size};
}

StatusOr<absl::string_view> FramePayload(absl::string_view frame,
                                         FrameKind want) {
  NSBOOT_ASSIGN_OR_RETURN(FrameHeader header, ParseFrameHeader(frame));
  if (header.kind != want) {
    return DecodeError(5, StrCat("frame kind ", static_cast<int>(header.kind),
                                 ", expected ", static_cast<int>(want)));
  }
  const uint64_t total = uint64_t{kFrameHeaderSize} + header.payload_size;
  if (frame.size() < total) {
    return DecodeError(frame.size(), StrCat("frame truncated: payload length ",
                                            header.payload_size, " but only ",
                                            frame.size() - kFrameHeaderSize,
                                            " payload bytes"));
  }
  if (frame.size() > total) {
    return DecodeError(total, StrCat(frame.size() - total,
                                     " bytes after the end of the frame"));
  }
  return frame.substr(kFrameHeaderSize);
}

std::string FrameHeaderBytes(FrameKind kind, uint32_t payload_size) {
  std::string out(kFrameHeaderSize, '\0');
  std::memcpy(&out[0], kFrameMagic, sizeof(kFrameMagic));
  out[4] = static_cast<char>(kFrameVersion);
  out[5] = static_cast<char>(kind);
  for (int i = 0; i < 4; ++i) {
    out[8 + i] = static_cast<char>(payload_size >> (8 * i));
  }
  return out;
}

StatusOr<v1::plain::BootstrapRequest> DecodeRequestFramePlain(
    absl::string_view frame) {
  NSBOOT_ASSIGN_OR_RETURN(absl::string_view payload,
                          FramePayload(frame, FrameKind::kRequest));
  NSBOOT_ASSIGN_OR_RETURN(v1::plain::BootstrapRequest request,
                          ParseRequestPayload(payload, kFrameHeaderSize));
  Status valid = ValidateRequest(request);
  if (!valid.ok()) {
    // Field-level problems have no single byte position inside a protobuf
    // payload; name the payload's start and the field path.
    return DecodeError(kFrameHeaderSize, valid.message());
  }
  return request;
}

StatusOr<std::string> EncodeReplyFrame(const v1::plain::BootstrapReply& reply) {
  std::string payload = SerializeReplyPayload(reply);
  if (payload.size() > kMaxFramePayloadSize) {
    return InvalidArgumentError(
        StrCat("nsboot.v1.BootstrapReply is ", payload.size(),
               " bytes, over the frame cap of ", kMaxFramePayloadSize));
  }
  std::string out = FrameHeaderBytes(FrameKind::kReply,
                                     static_cast<uint32_t>(payload.size()));
  out += payload;
  return out;
}

}  // namespace codec
}  // namespace nsboot
