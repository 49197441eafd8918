#include "common/status_absl.h"

#include <cstdint>
#include <string>

#include "absl/strings/cord.h"

namespace nsboot {

absl::Status ToAbslStatus(const Status& status) {
  absl::Status out(static_cast<absl::StatusCode>(status.code()),
                   status.message());
  if (auto offset = status.byte_offset(); offset && !out.ok()) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<char>(*offset >> (8 * i));
    out.SetPayload(kByteOffsetPayloadUrl, absl::Cord(bytes));
  }
  return out;
}

template <>
absl::Status ConvertStatus<absl::Status>(const Status& status) {
  return ToAbslStatus(status);
}

Status FromAbslStatus(const absl::Status& status) {
  Status out(static_cast<StatusCode>(status.code()), status.message());
  absl::optional<absl::Cord> payload = status.GetPayload(kByteOffsetPayloadUrl);
  if (payload.has_value() && payload->size() == 8) {
    std::string bytes(*payload);
    uint64_t offset = 0;
    for (int i = 7; i >= 0; --i) {
      offset = (offset << 8) | static_cast<uint8_t>(bytes[i]);
    }
    out.set_byte_offset(offset);
  }
  return out;
}

}  // namespace nsboot
