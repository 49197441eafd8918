// Decode and encode cost of the two encodings, for a typical runc message
// and for a maximal one (every limit of codec/limits.h reached). Results and
// the machine they came from are in docs/BENCHMARKS.md.
//
//   bazel run -c opt //bench:codec_bench
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "codec/frame.h"
#include "codec/limits.h"
#include "codec/netlink.h"
#include "codec/reader.h"
#include "codec/chunked_source.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace {

using codec::RuncDialect;

// What `runc run` sends for a rootless container with a user namespace:
// create user+mnt+pid+ipc+uts+net, one-line maps, helpers, setgroups, oom.
v1::BootstrapRequest TypicalRequest() {
  v1::BootstrapRequest r;
  for (auto ns : {v1::NAMESPACE_MOUNT, v1::NAMESPACE_UTS, v1::NAMESPACE_IPC,
                  v1::NAMESPACE_USER, v1::NAMESPACE_PID, v1::NAMESPACE_NET}) {
    r.add_create_namespaces(ns);
  }
  auto* uid = r.add_uid_mappings();
  uid->set_host_id(100000);
  uid->set_size(65536);
  *r.add_gid_mappings() = *uid;
  r.set_uidmap_helper("/usr/bin/newuidmap");
  r.set_gidmap_helper("/usr/bin/newgidmap");
  r.set_setgroups(v1::SETGROUPS_ALLOW);
  r.set_oom_score_adj(-999);
  r.set_rootless_euid(true);
  return r;
}

// Every limit at once: 340-line maps with 10-digit ids, five joins with
// paths near PATH_MAX (the NS_PATHS attribute stays under runc's 64 KiB
// cap), and helper paths of maximal length.
v1::BootstrapRequest MaximalRequest() {
  v1::BootstrapRequest r;
  const std::string long_dir = "/" + std::string(4000, 'p');
  for (auto ns : {v1::NAMESPACE_IPC, v1::NAMESPACE_UTS, v1::NAMESPACE_NET,
                  v1::NAMESPACE_MOUNT, v1::NAMESPACE_CGROUP}) {
    auto* join = r.add_join_namespaces();
    join->set_type(ns);
    join->set_path(absl::StrCat(long_dir, "/", static_cast<int>(ns),
                                std::string(90, 'x')));
  }
  r.add_create_namespaces(v1::NAMESPACE_USER);
  r.add_create_namespaces(v1::NAMESPACE_PID);
  for (int i = 0; i < codec::kMaxIdMappings; ++i) {
    auto* m = r.add_uid_mappings();
    m->set_container_id(1000000000u + 10000u * i);
    m->set_host_id(2000000000u + 10000u * i);
    m->set_size(10000);
    *r.add_gid_mappings() = *m;
  }
  r.set_uidmap_helper("/" + std::string(codec::kMaxPathSize - 1, 'u'));
  r.set_gidmap_helper("/" + std::string(codec::kMaxPathSize - 1, 'g'));
  r.set_oom_score_adj(-1000);
  r.set_rootless_euid(true);
  r.set_setgroups(v1::SETGROUPS_ALLOW);
  return r;
}

std::string MustEncodeNetlink(const v1::BootstrapRequest& r) {
  auto bytes = codec::EncodeNetlink(r, RuncDialect::kRunc11);
  if (!bytes.ok()) {
    fprintf(stderr, "encode: %s\n", bytes.status().ToString().c_str());
    abort();
  }
  return *bytes;
}

std::string MustEncodeFrame(const v1::BootstrapRequest& r) {
  auto bytes = codec::EncodeRequestFrame(r);
  if (!bytes.ok()) abort();
  return *bytes;
}

void DecodeNetlink(benchmark::State& state, const v1::BootstrapRequest& r) {
  const std::string bytes = MustEncodeNetlink(r);
  for (auto _ : state) {
    auto decoded = codec::DecodeNetlink(bytes, RuncDialect::kRunc11);
    if (!decoded.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
  state.counters["msg_bytes"] = bytes.size();
}

void EncodeNetlink(benchmark::State& state, const v1::BootstrapRequest& r) {
  size_t size = 0;
  for (auto _ : state) {
    auto bytes = codec::EncodeNetlink(r, RuncDialect::kRunc11);
    size = bytes->size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * size);
}

void DecodeFrame(benchmark::State& state, const v1::BootstrapRequest& r) {
  const std::string bytes = MustEncodeFrame(r);
  for (auto _ : state) {
    auto decoded = codec::DecodeRequestFrame(bytes);
    if (!decoded.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
  state.counters["msg_bytes"] = bytes.size();
}

void EncodeFrame(benchmark::State& state, const v1::BootstrapRequest& r) {
  size_t size = 0;
  for (auto _ : state) {
    auto bytes = codec::EncodeRequestFrame(r);
    size = bytes->size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(state.iterations() * size);
}

// The pre-main path's decoders: into plain structs, no protobuf runtime
// (the generated-message functions above convert their result).
void DecodeNetlinkPlain(benchmark::State& state,
                        const v1::BootstrapRequest& r) {
  const std::string bytes = MustEncodeNetlink(r);
  for (auto _ : state) {
    auto decoded = codec::DecodeNetlinkPlain(bytes, RuncDialect::kRunc11);
    if (!decoded.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
  state.counters["msg_bytes"] = bytes.size();
}

void DecodeFramePlain(benchmark::State& state, const v1::BootstrapRequest& r) {
  const std::string bytes = MustEncodeFrame(r);
  for (auto _ : state) {
    auto decoded = codec::DecodeRequestFramePlain(bytes);
    if (!decoded.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
  state.counters["msg_bytes"] = bytes.size();
}

// The whole reader (detect, header, chunked body, decode) over a source that
// hands out the message one byte per read(2)-like call: the worst case a
// slow parent can impose.
void ReadNetlinkOneByteChunks(benchmark::State& state) {
  const std::string bytes = MustEncodeNetlink(TypicalRequest());
  codec::ReaderOptions options;
  options.runc_dialect = RuncDialect::kRunc11;
  for (auto _ : state) {
    codec::ChunkedSource source(bytes, {1});
    auto result = codec::ReadRequest(source, options);
    if (!result.ok()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
}

BENCHMARK_CAPTURE(DecodeNetlink, typical, TypicalRequest());
BENCHMARK_CAPTURE(DecodeNetlink, maximal, MaximalRequest());
BENCHMARK_CAPTURE(EncodeNetlink, typical, TypicalRequest());
BENCHMARK_CAPTURE(EncodeNetlink, maximal, MaximalRequest());
BENCHMARK_CAPTURE(DecodeNetlinkPlain, typical, TypicalRequest());
BENCHMARK_CAPTURE(DecodeNetlinkPlain, maximal, MaximalRequest());
BENCHMARK_CAPTURE(DecodeFramePlain, typical, TypicalRequest());
BENCHMARK_CAPTURE(DecodeFramePlain, maximal, MaximalRequest());
BENCHMARK_CAPTURE(DecodeFrame, typical, TypicalRequest());
BENCHMARK_CAPTURE(DecodeFrame, maximal, MaximalRequest());
BENCHMARK_CAPTURE(EncodeFrame, typical, TypicalRequest());
BENCHMARK_CAPTURE(EncodeFrame, maximal, MaximalRequest());
BENCHMARK(ReadNetlinkOneByteChunks);

}  // namespace
}  // namespace nsboot

BENCHMARK_MAIN();
