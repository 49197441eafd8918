// What stage 0 computes before its first system call of the bootstrap: the
// request decoded from the bytes the parent wrote, and the plan made from
// it, for the round-trip benchmark's scenarios (bench/roundtrip.cc). Results
// are in docs/BENCHMARKS.md.
//
//   bazel run -c opt //bench:plan_bench
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "executor/plan.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace {

using codec::RuncDialect;
using executor::MakePlan;
using executor::PlanOptions;
using executor::ReplyProtocol;

enum Scenario { kCreate, kJoin, kUser };

// As the round-trip benchmark's requests: create net+uts+ipc+mnt+pid; join
// six namespaces of pid 4242 (by pid natively, by /proc paths as runc sends
// them); user: the five of create plus a user namespace with one-line maps.
v1::BootstrapRequest Request(Scenario s, bool by_pid) {
  v1::BootstrapRequest r;
  if (s == kJoin) {
    for (auto ns : {v1::NAMESPACE_CGROUP, v1::NAMESPACE_IPC, v1::NAMESPACE_UTS,
                    v1::NAMESPACE_NET, v1::NAMESPACE_PID,
                    v1::NAMESPACE_MOUNT}) {
      auto* join = r.add_join_namespaces();
      join->set_type(ns);
      if (by_pid) {
        join->set_pid(4242);
      } else {
        join->set_path(
            absl::StrCat("/proc/4242/ns/", executor::NamespaceName(ns)));
      }
    }
    return r;
  }
  for (auto ns : {v1::NAMESPACE_NET, v1::NAMESPACE_UTS, v1::NAMESPACE_IPC,
                  v1::NAMESPACE_MOUNT, v1::NAMESPACE_PID}) {
    r.add_create_namespaces(ns);
  }
  if (s == kUser) {
    r.add_create_namespaces(v1::NAMESPACE_USER);
    auto* uid = r.add_uid_mappings();
    uid->set_host_id(100000);
    uid->set_size(65536);
    *r.add_gid_mappings() = *uid;
  }
  return r;
}

PlanOptions Options(ReplyProtocol protocol) {
  PlanOptions options;
  options.protocol = protocol;
  if (protocol != ReplyProtocol::kNative) {
    options.process_names = {"runc:[0:PARENT]", "runc:[1:CHILD]",
                             "runc:[2:INIT]"};
  }
  return options;
}

// Native: decode the frame, plan.
void BM_NativeDecodeAndPlan(benchmark::State& state) {
  const auto s = static_cast<Scenario>(state.range(0));
  const std::string frame = *codec::EncodeRequestFrame(Request(s, true));
  const PlanOptions options = Options(ReplyProtocol::kNative);
  for (auto _ : state) {
    auto request = codec::DecodeRequestFramePlain(frame);
    auto plan = MakePlan(*request, options);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_NativeDecodeAndPlan)->Arg(kCreate)->Arg(kJoin)->Arg(kUser);

// runc 1.2: decode the netlink message, plan.
void BM_Runc12DecodeAndPlan(benchmark::State& state) {
  const auto s = static_cast<Scenario>(state.range(0));
  const std::string message =
      *codec::EncodeNetlink(Request(s, false), RuncDialect::kRunc12);
  const PlanOptions options = Options(ReplyProtocol::kRunc12);
  for (auto _ : state) {
    auto request = codec::DecodeNetlinkPlain(message, RuncDialect::kRunc12);
    auto plan = MakePlan(*request, options);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_Runc12DecodeAndPlan)->Arg(kCreate)->Arg(kJoin)->Arg(kUser);

// The plan alone, from a decoded request.
void BM_NativePlanOnly(benchmark::State& state) {
  const auto s = static_cast<Scenario>(state.range(0));
  const auto request = *codec::DecodeRequestFramePlain(
      *codec::EncodeRequestFrame(Request(s, true)));
  const PlanOptions options = Options(ReplyProtocol::kNative);
  for (auto _ : state) {
    auto plan = MakePlan(request, options);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_NativePlanOnly)->Arg(kCreate)->Arg(kJoin)->Arg(kUser);

}  // namespace
}  // namespace nsboot

BENCHMARK_MAIN();
