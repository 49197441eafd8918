// The benchmark's scenarios and the request each sends, shared by the
// round-trip harness (bench/roundtrip.cc) and the decode-and-plan benchmark
// (bench/plan_bench.cc), so both time the same requests.
#ifndef NSBOOT_BENCH_SCENARIOS_H_
#define NSBOOT_BENCH_SCENARIOS_H_

#include <sys/types.h>

#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace bench {

enum class Scenario { kCreate, kJoin, kUser };

// "create", "join", "user".
const char* ScenarioName(Scenario s);

// One request per scenario: create new net, uts, ipc, mnt and pid
// namespaces; join cgroup, ipc, uts, net, pid and mnt of `target`, by pid
// (nsboot's extension, one setns(pidfd, mask)) when `by_pid`, otherwise by
// /proc path (runc); user: the five of create, a user namespace and
// "0 100000 65536" uid and gid maps.
v1::BootstrapRequest MakeRequest(Scenario s, bool by_pid, pid_t target);

}  // namespace bench
}  // namespace nsboot

#endif  // NSBOOT_BENCH_SCENARIOS_H_
