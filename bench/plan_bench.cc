// What stage 0 computes before its first system call of the bootstrap: the
// request decoded from the bytes the parent wrote, and the plan made from
// it, for the round-trip benchmark's requests (bench/scenarios.h; argument
// 0, 1, 2: create, join, user). Results are in docs/BENCHMARKS.md.
//
//   bazel run -c opt //bench:plan_bench
#include <string>

#include "bench/scenarios.h"
#include "benchmark/benchmark.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "executor/plan.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace {

using bench::MakeRequest;
using bench::Scenario;
using codec::RuncDialect;
using executor::MakePlan;
using executor::PlanOptions;
using executor::ReplyProtocol;

Scenario ScenarioArg(const benchmark::State& state) {
  return static_cast<Scenario>(state.range(0));
}

// The join target's pid does not matter to decoding or planning.
constexpr pid_t kTarget = 4242;

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
  const Scenario s = ScenarioArg(state);
  const std::string frame =
      *codec::EncodeRequestFrame(MakeRequest(s, true, kTarget));
  const PlanOptions options = Options(ReplyProtocol::kNative);
  for (auto _ : state) {
    auto request = codec::DecodeRequestFramePlain(frame);
    auto plan = MakePlan(*request, options);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_NativeDecodeAndPlan)->DenseRange(0, 2);

// runc 1.2: decode the netlink message, plan.
void BM_Runc12DecodeAndPlan(benchmark::State& state) {
  const Scenario s = ScenarioArg(state);
  const std::string message = *codec::EncodeNetlink(
      MakeRequest(s, false, kTarget), RuncDialect::kRunc12);
  const PlanOptions options = Options(ReplyProtocol::kRunc12);
  for (auto _ : state) {
    auto request = codec::DecodeNetlinkPlain(message, RuncDialect::kRunc12);
    auto plan = MakePlan(*request, options);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_Runc12DecodeAndPlan)->DenseRange(0, 2);

// The plan alone, from a decoded request.
void BM_NativePlanOnly(benchmark::State& state) {
  const Scenario s = ScenarioArg(state);
  const auto request = *codec::DecodeRequestFramePlain(
      *codec::EncodeRequestFrame(MakeRequest(s, true, kTarget)));
  const PlanOptions options = Options(ReplyProtocol::kNative);
  for (auto _ : state) {
    auto plan = MakePlan(request, options);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_NativePlanOnly)->DenseRange(0, 2);

}  // namespace
}  // namespace nsboot

BENCHMARK_MAIN();
