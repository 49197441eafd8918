// The absl side of nsboot::Status (common/status.h): conversions for code
// that lives with absl::Status (the CLI, tests, tools). Never linked into
// the pre-main path.
#ifndef NSBOOT_COMMON_STATUS_ABSL_H_
#define NSBOOT_COMMON_STATUS_ABSL_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status.h"

namespace nsboot {

// The absl::Status payload that carries Status::byte_offset(): 8 bytes,
// little-endian.
inline constexpr absl::string_view kByteOffsetPayloadUrl =
    "type.nsboot.dev/byte_offset";

absl::Status ToAbslStatus(const Status& status);
Status FromAbslStatus(const absl::Status& status);

}  // namespace nsboot

#endif  // NSBOOT_COMMON_STATUS_ABSL_H_
