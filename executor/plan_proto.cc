// MakePlan for a generated v1::BootstrapRequest, apart from plan.cc so that
// linking the plain overload takes no protobuf code (see plan.h).
#include "absl/status/statusor.h"
#include "executor/plan.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace executor {

absl::StatusOr<Plan> MakePlan(const v1::BootstrapRequest& request,
                              const PlanOptions& options) {
  return MakePlan(v1::ToPlain(request), options);
}

}  // namespace executor
}  // namespace nsboot
