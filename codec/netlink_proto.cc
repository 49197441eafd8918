// The generated-message overloads of the netlink codec, in their own object
// so a static link of the plain path does not pull protobuf in.
#include <string>

#include "absl/strings/string_view.h"
#include "codec/netlink.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace codec {

StatusOr<v1::BootstrapRequest> DecodeNetlink(absl::string_view message,
                                             RuncDialect dialect) {
  NSBOOT_ASSIGN_OR_RETURN(v1::plain::BootstrapRequest request,
                          DecodeNetlinkPlain(message, dialect));
  return v1::ToProto(request);
}

StatusOr<std::string> EncodeNetlink(const v1::BootstrapRequest& request,
                                    RuncDialect dialect) {
  return EncodeNetlink(v1::ToPlain(request), dialect);
}

}  // namespace codec
}  // namespace nsboot
