// MakePlan for a generated v1::BootstrapRequest, apart from plan.cc so that
// linking the plain overload takes no protobuf code (see plan.h).
#include "common/status.h"
#include "executor/plan.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace executor {

StatusOr<Plan> MakePlan(const v1::BootstrapRequest& request,
                        const PlanOptions& options) {
  return MakePlan(v1::ToPlain(request), options);
}

}  // namespace executor
}  // namespace nsboot
