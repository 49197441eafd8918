#include "codec/decode_error.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/types/optional.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace nsboot {
namespace codec {

absl::Status DecodeError(uint64_t offset, absl::string_view reason) {
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("offset ", offset, ": ", reason));
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(offset >> (8 * i));
  status.SetPayload(kByteOffsetPayloadUrl, absl::Cord(bytes));
  return status;
}

std::optional<uint64_t> DecodeErrorOffset(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kByteOffsetPayloadUrl);
  if (!payload.has_value() || payload->size() != 8) return std::nullopt;
  std::string bytes(*payload);
  uint64_t offset = 0;
  for (int i = 7; i >= 0; --i) {
    offset = (offset << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return offset;
}

}  // namespace codec
}  // namespace nsboot
