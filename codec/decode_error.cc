#include "codec/decode_error.h"

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "common/str_cat.h"

namespace nsboot {
namespace codec {

Status DecodeError(uint64_t offset, absl::string_view reason) {
  Status status = InvalidArgumentError(StrCat("offset ", offset, ": ", reason));
  status.set_byte_offset(offset);
  return status;
}

std::optional<uint64_t> DecodeErrorOffset(const Status& status) {
  absl::optional<uint64_t> offset = status.byte_offset();
  if (!offset.has_value()) return std::nullopt;
  return *offset;
}

}  // namespace codec
}  // namespace nsboot
