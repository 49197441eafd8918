// The properties every fuzz target checks, apart from LLVMFuzzerTestOneInput
// so that they can be linked against a deliberately broken codec
// (fuzz/harness_test.cc): a property whose check can never fire is a bug of
// the harness, and that test catches it.
//
// Each Check* function takes the input bytes of its target and a CodecOps:
// the functions under test. Targets pass RealOps(); the harness test passes
// copies with one function replaced by a corrupting wrapper. Every property
// is an NSBOOT_FUZZ_CHECK (always on, aborts), never an assert.
#ifndef NSBOOT_FUZZ_PROPERTIES_H_
#define NSBOOT_FUZZ_PROPERTIES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/netlink.h"
#include "codec/reader.h"
#include "common/status.h"
#include "executor/plan.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace fuzz {

struct CodecOps {
  StatusOr<v1::BootstrapRequest> (*decode_netlink)(absl::string_view message,
                                                   codec::RuncDialect dialect);
  StatusOr<std::string> (*encode_netlink)(const v1::BootstrapRequest& request,
                                          codec::RuncDialect dialect);
  StatusOr<v1::BootstrapRequest> (*decode_frame)(absl::string_view);
  StatusOr<std::string> (*encode_frame)(const v1::BootstrapRequest&);
  StatusOr<v1::BootstrapReply> (*decode_reply)(absl::string_view);
  StatusOr<std::string> (*encode_reply)(const v1::BootstrapReply&);
  Status (*validate)(const v1::BootstrapRequest&);
  StatusOr<codec::ReadResult> (*read_request)(
      codec::ByteSource& source, const codec::ReaderOptions& options);
  StatusOr<executor::Plan> (*make_plan)(const v1::BootstrapRequest& request,
                                        const executor::PlanOptions& options);
};

// The real codec, validator, reader and planner.
const CodecOps& RealOps();

// netlink_decode: raw bytes, both dialects.
void CheckNetlinkDecode(const CodecOps& ops, const uint8_t* data, size_t size);
// frame_decode: raw bytes into the request and reply frame decoders.
void CheckFrameDecode(const CodecOps& ops, const uint8_t* data, size_t size);
// reader_chunked: control byte (dialect, chunk pattern, EINTRs) + pipe bytes.
void CheckReaderChunked(const CodecOps& ops, const uint8_t* data, size_t size);
// plan: control byte (dialect, PlanOptions variant) + a netlink message or a
// frame; MakePlan with every ReplyProtocol x FinishMode.
void CheckPlan(const CodecOps& ops, const uint8_t* data, size_t size);
// differential: control byte (dialect) + a netlink message (netlink ->
// request -> frame -> request -> netlink) or a frame whose payload is any
// typed request (request -> both encoders -> both decoders).
void CheckDifferential(const CodecOps& ops, const uint8_t* data, size_t size);

// The plan properties on their own: `plan` is MakePlan(request, options).
// A plan never contains a step the request did not ask for, and contains
// every step it did ask for.
void CheckPlanMatchesRequest(const v1::BootstrapRequest& request,
                             const executor::PlanOptions& options,
                             const executor::Plan& plan);

// Documented differences between the two encodings
// (fuzz/differential_exceptions.txt, compiled into the target).
struct DifferentialExceptions {
  // "reject ID": requests netlink cannot carry, by rule id.
  std::vector<std::string> rejects;
  // "normalize ID": representation differences a netlink round trip makes.
  std::vector<std::string> normalizations;
  bool Rejects(absl::string_view id) const;
  bool Normalizes(absl::string_view id) const;
};
// Parses the list; aborts on an unknown id or a malformed line (a list the
// target cannot honour is a harness bug).
DifferentialExceptions ParseDifferentialExceptions(absl::string_view text);
// The checked-in list.
const DifferentialExceptions& CheckedInExceptions();
// Every "reject" rule id that applies to `request` in `dialect`.
std::vector<std::string> NetlinkRejections(const v1::BootstrapRequest& request,
                                           codec::RuncDialect dialect);
// CheckDifferential with an explicit exception list (the test's hook).
void CheckDifferentialWith(const CodecOps& ops,
                           const DifferentialExceptions& exceptions,
                           const uint8_t* data, size_t size);

}  // namespace fuzz
}  // namespace nsboot

#endif  // NSBOOT_FUZZ_PROPERTIES_H_
