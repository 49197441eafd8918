#include "bench/scenarios.h"

#include "absl/strings/str_cat.h"
#include "executor/plan.h"

namespace nsboot {
namespace bench {
namespace {

const v1::Namespace kCreateNs[] = {v1::NAMESPACE_MOUNT, v1::NAMESPACE_UTS,
                                   v1::NAMESPACE_IPC, v1::NAMESPACE_PID,
                                   v1::NAMESPACE_NET};
// In runc exec's order.
const v1::Namespace kJoinNs[] = {v1::NAMESPACE_CGROUP, v1::NAMESPACE_IPC,
                                 v1::NAMESPACE_UTS,    v1::NAMESPACE_NET,
                                 v1::NAMESPACE_PID,    v1::NAMESPACE_MOUNT};

}  // namespace

const char* ScenarioName(Scenario s) {
  switch (s) {
    case Scenario::kCreate:
      return "create";
    case Scenario::kJoin:
      return "join";
    case Scenario::kUser:
      return "user";
  }
  return "?";
}

v1::BootstrapRequest MakeRequest(Scenario s, bool by_pid, pid_t target) {
  v1::BootstrapRequest r;
  r.set_schema_version(1);
  switch (s) {
    case Scenario::kCreate:
      for (auto ns : kCreateNs) r.add_create_namespaces(ns);
      break;
    case Scenario::kJoin:
      for (const v1::Namespace type : kJoinNs) {
        auto* join = r.add_join_namespaces();
        join->set_type(type);
        if (by_pid) {
          join->set_pid(target);
        } else {
          join->set_path(absl::StrCat("/proc/", target, "/ns/",
                                      executor::NamespaceName(type)));
        }
      }
      break;
    case Scenario::kUser: {
      r.add_create_namespaces(v1::NAMESPACE_USER);
      for (auto ns : kCreateNs) r.add_create_namespaces(ns);
      for (auto* maps : {r.mutable_uid_mappings(), r.mutable_gid_mappings()}) {
        auto* m = maps->Add();
        m->set_container_id(0);
        m->set_host_id(100000);
        m->set_size(65536);
      }
      // runc's SETGROUP_ATTR = true (the maps are not just {0, egid, 1}).
      r.set_setgroups(v1::SETGROUPS_ALLOW);
      break;
    }
  }
  r.set_rootless_euid(false);
  return r;
}

}  // namespace bench
}  // namespace nsboot
