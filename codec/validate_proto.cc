// The generated-message overload of ValidateRequest, in its own object so a
// static link of the plain path does not pull protobuf in.
#include "codec/validate.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace codec {

Status ValidateRequest(const v1::BootstrapRequest& request) {
  return ValidateRequest(v1::ToPlain(request));
}

}  // namespace codec
}  // namespace nsboot
