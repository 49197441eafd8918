// DecodeErrorOffset for absl::Status, apart so the pre-main path does not
// link abseil's status library.
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "codec/decode_error.h"
#include "common/status_absl.h"

namespace nsboot {
namespace codec {

std::optional<uint64_t> DecodeErrorOffset(const absl::Status& status) {
  return DecodeErrorOffset(FromAbslStatus(status));
}

}  // namespace codec
}  // namespace nsboot
