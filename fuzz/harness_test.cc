// Tests the fuzz harness itself: each target's properties are run against a
// codec (or reader, or planner) with one deliberately planted bug, and must
// abort. A property that cannot fire on a broken codec protects nothing.
// Each death test has a live twin: the same input with the real functions
// passes, so the death is the planted bug's doing.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "codec/reader.h"
#include "common/status.h"
#include "executor/plan.h"
#include "fuzz/mutator.h"
#include "fuzz/properties.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace fuzz {
namespace {

using codec::RuncDialect;

constexpr char kDies[] = "fuzz property failed";

v1::BootstrapRequest Parse(const std::string& text) {
  v1::BootstrapRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request));
  return request;
}

// A runc-1.1-style request that travels in both encodings.
v1::BootstrapRequest RuncRequest() {
  return Parse(R"pb(
    create_namespaces: [NAMESPACE_MOUNT, NAMESPACE_USER, NAMESPACE_PID]
    join_namespaces { type: NAMESPACE_NET path: "/proc/1/ns/net" }
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
    gid_mappings { container_id: 0 host_id: 1000 size: 1 }
    setgroups: SETGROUPS_DENY
    oom_score_adj: -500
    rootless_euid: true
  )pb");
}

std::string Netlink(const v1::BootstrapRequest& request) {
  auto bytes = codec::EncodeNetlink(request, RuncDialect::kRunc11);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

std::string Frame(const v1::BootstrapRequest& request) {
  auto bytes = codec::EncodeRequestFrame(request);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : "";
}

// A frame around any typed request, valid or not.
std::string RawFrame(const v1::BootstrapRequest& request) {
  const std::string payload = request.SerializeAsString();
  std::string frame = "NSBT";
  frame += '\x01';
  frame += '\x01';
  frame.append(2, '\0');
  for (int i = 0; i < 4; ++i) frame += static_cast<char>(payload.size() >> (8 * i));
  return frame + payload;
}

std::string WithControl(char control, const std::string& body) {
  return std::string(1, control) + body;
}

template <typename F>
void RunCheck(F check, const CodecOps& ops, const std::string& input) {
  check(ops, reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// ---- planted bugs --------------------------------------------------------

StatusOr<std::string> EncodeNetlinkFlipsLastByte(
    const v1::BootstrapRequest& request, RuncDialect dialect) {
  auto bytes = codec::EncodeNetlink(request, dialect);
  if (bytes.ok() && !bytes->empty()) bytes->back() ^= 1;
  return bytes;
}

StatusOr<v1::BootstrapRequest> DecodeNetlinkDropsOom(absl::string_view message,
                                                     RuncDialect dialect) {
  auto request = codec::DecodeNetlink(message, dialect);
  if (request.ok()) request->clear_oom_score_adj();
  return request;
}

StatusOr<v1::BootstrapRequest> DecodeNetlinkLosesOffset(
    absl::string_view message, RuncDialect dialect) {
  auto request = codec::DecodeNetlink(message, dialect);
  if (!request.ok()) return InvalidArgumentError("bad message");
  return request;
}

StatusOr<v1::BootstrapRequest> DecodeNetlinkIgnoresDialect(
    absl::string_view message, RuncDialect) {
  return codec::DecodeNetlink(message, RuncDialect::kRunc11);
}

StatusOr<std::string> EncodeFrameDropsUidMappings(
    const v1::BootstrapRequest& request) {
  v1::BootstrapRequest copy = request;
  copy.clear_uid_mappings();
  return codec::EncodeRequestFrame(copy);
}

// Accepts without validating.
StatusOr<v1::BootstrapRequest> DecodeFrameSkipsValidation(
    absl::string_view frame) {
  v1::BootstrapRequest request;
  if (frame.size() < 12 ||
      !request.ParseFromArray(frame.data() + 12,
                              static_cast<int>(frame.size() - 12))) {
    return codec::DecodeRequestFrame(frame);
  }
  return request;
}

StatusOr<codec::ReadResult> ReadOneByteTooMany(
    codec::ByteSource& source, const codec::ReaderOptions& options) {
  auto result = codec::ReadRequest(source, options);
  char extra;
  if (result.ok()) source.Read(&extra, 1);
  return result;
}

StatusOr<codec::ReadResult> ReadDropsJoins(
    codec::ByteSource& source, const codec::ReaderOptions& options) {
  auto result = codec::ReadRequest(source, options);
  if (result.ok()) result->request.join_namespaces.clear();
  return result;
}

executor::PlanStep Step(executor::StepKind kind, int64_t value = 0) {
  executor::PlanStep step;
  step.kind = kind;
  step.value = value;
  return step;
}

StatusOr<executor::Plan> PlanUnsharesNet(const v1::BootstrapRequest& request,
                                         const executor::PlanOptions& options) {
  auto plan = executor::MakePlan(request, options);
  if (plan.ok() && !(plan->create_flags & 0x40000000)) {
    auto& steps = plan->stages[1].steps;
    steps.insert(steps.end() - 1,
                 Step(executor::StepKind::kUnshare, 0x40000000));
  }
  return plan;
}

StatusOr<executor::Plan> PlanWritesOom(const v1::BootstrapRequest& request,
                                       const executor::PlanOptions& options) {
  v1::BootstrapRequest copy = request;
  if (!copy.has_oom_score_adj()) copy.set_oom_score_adj(0);
  return executor::MakePlan(copy, options);
}

StatusOr<executor::Plan> PlanForgetsUidMap(
    const v1::BootstrapRequest& request, const executor::PlanOptions& options) {
  auto plan = executor::MakePlan(request, options);
  if (plan.ok()) {
    auto& steps = plan->stages[0].steps;
    for (auto it = steps.begin(); it != steps.end(); ++it) {
      if (it->kind == executor::StepKind::kWriteUidMap) {
        steps.erase(it);
        break;
      }
    }
  }
  return plan;
}

StatusOr<executor::Plan> PlanFailsInternally(
    const v1::BootstrapRequest& request, const executor::PlanOptions& options) {
  auto plan = executor::MakePlan(request, options);
  if (!plan.ok()) return InternalError("oops");
  return plan;
}

StatusOr<std::string> EncodeNetlinkRefusesUidmapHelper(
    const v1::BootstrapRequest& request, RuncDialect dialect) {
  if (!request.uidmap_helper().empty()) {
    return InvalidArgumentError("uidmap_helper: no");
  }
  return codec::EncodeNetlink(request, dialect);
}

StatusOr<std::string> EncodeNetlinkRefusesAsFailedPrecondition(
    const v1::BootstrapRequest& request, RuncDialect dialect) {
  auto bytes = codec::EncodeNetlink(request, dialect);
  if (!bytes.ok()) return FailedPreconditionError("refused");
  return bytes;
}

// ---- netlink_decode -------------------------------------------------------

TEST(NetlinkDecodeHarness, RealCodecPasses) {
  RunCheck(CheckNetlinkDecode, RealOps(), Netlink(RuncRequest()));
}

TEST(NetlinkDecodeHarness, CatchesCorruptEncoder) {
  CodecOps ops = RealOps();
  ops.encode_netlink = EncodeNetlinkFlipsLastByte;
  EXPECT_DEATH(RunCheck(CheckNetlinkDecode, ops, Netlink(RuncRequest())), kDies);
}

TEST(NetlinkDecodeHarness, CatchesDecoderDroppingAField) {
  CodecOps ops = RealOps();
  ops.decode_netlink = DecodeNetlinkDropsOom;
  EXPECT_DEATH(RunCheck(CheckNetlinkDecode, ops, Netlink(RuncRequest())), kDies);
}

TEST(NetlinkDecodeHarness, CatchesErrorsWithoutOffset) {
  CodecOps ops = RealOps();
  ops.decode_netlink = DecodeNetlinkLosesOffset;
  std::string bytes = Netlink(RuncRequest());
  bytes[20] = '\x7f';  // breaks an attribute
  RunCheck(CheckNetlinkDecode, RealOps(), bytes);
  EXPECT_DEATH(RunCheck(CheckNetlinkDecode, ops, bytes), kDies);
}

TEST(NetlinkDecodeHarness, CatchesDialectConfusion) {
  // runc 1.1's MOUNT_SOURCES must not decode as runc 1.2 (27290 is
  // TIMENSOFFSET there); a decoder that ignores the dialect accepts it, and
  // the same request then cannot be written back in that dialect.
  v1::BootstrapRequest request = RuncRequest();
  request.add_mount_sources("/src");
  request.add_mount_sources("");
  const std::string bytes = Netlink(request);
  RunCheck(CheckNetlinkDecode, RealOps(), bytes);
  CodecOps ops = RealOps();
  ops.decode_netlink = DecodeNetlinkIgnoresDialect;
  EXPECT_DEATH(RunCheck(CheckNetlinkDecode, ops, bytes), kDies);
}

// ---- frame_decode ---------------------------------------------------------

TEST(FrameDecodeHarness, RealCodecPasses) {
  RunCheck(CheckFrameDecode, RealOps(), Frame(RuncRequest()));
}

TEST(FrameDecodeHarness, CatchesEncoderDroppingAField) {
  CodecOps ops = RealOps();
  ops.encode_frame = EncodeFrameDropsUidMappings;
  EXPECT_DEATH(RunCheck(CheckFrameDecode, ops, Frame(RuncRequest())), kDies);
}

TEST(FrameDecodeHarness, CatchesDecoderSkippingValidation) {
  v1::BootstrapRequest bad = RuncRequest();
  bad.set_schema_version(7);
  RunCheck(CheckFrameDecode, RealOps(), RawFrame(bad));
  CodecOps ops = RealOps();
  ops.decode_frame = DecodeFrameSkipsValidation;
  EXPECT_DEATH(RunCheck(CheckFrameDecode, ops, RawFrame(bad)), kDies);
}

// ---- reader_chunked -------------------------------------------------------

TEST(ReaderHarness, RealReaderPasses) {
  RunCheck(CheckReaderChunked, RealOps(),
      WithControl('\x35', Netlink(RuncRequest()) + "{\"later\":1}"));
  RunCheck(CheckReaderChunked, RealOps(),
      WithControl('\x22', Frame(RuncRequest()) + "trailing"));
}

TEST(ReaderHarness, CatchesReadingPastTheMessage) {
  CodecOps ops = RealOps();
  ops.read_request = ReadOneByteTooMany;
  EXPECT_DEATH(RunCheck(CheckReaderChunked, ops,
                   WithControl('\x35', Netlink(RuncRequest()) + "{}")),
               kDies);
}

TEST(ReaderHarness, CatchesReaderLosingAField) {
  CodecOps ops = RealOps();
  ops.read_request = ReadDropsJoins;
  EXPECT_DEATH(
      RunCheck(CheckReaderChunked, ops, WithControl('\x00', Frame(RuncRequest()))),
      kDies);
}

// ---- plan -----------------------------------------------------------------

TEST(PlanHarness, RealPlannerPasses) {
  RunCheck(CheckPlan, RealOps(), WithControl('\x00', Netlink(RuncRequest())));
  RunCheck(CheckPlan, RealOps(), WithControl('\x0b', Frame(RuncRequest())));
}

TEST(PlanHarness, CatchesAStepNobodyAskedFor) {
  CodecOps ops = RealOps();
  ops.make_plan = PlanUnsharesNet;
  EXPECT_DEATH(RunCheck(CheckPlan, ops, WithControl('\x00', Netlink(RuncRequest()))),
               kDies);
}

TEST(PlanHarness, CatchesAWriteNobodyAskedFor) {
  v1::BootstrapRequest request = RuncRequest();
  request.clear_oom_score_adj();
  CodecOps ops = RealOps();
  ops.make_plan = PlanWritesOom;
  EXPECT_DEATH(RunCheck(CheckPlan, ops, WithControl('\x00', Frame(request))), kDies);
}

TEST(PlanHarness, CatchesAMissingStep) {
  CodecOps ops = RealOps();
  ops.make_plan = PlanForgetsUidMap;
  EXPECT_DEATH(RunCheck(CheckPlan, ops, WithControl('\x00', Frame(RuncRequest()))),
               kDies);
}

TEST(PlanHarness, CatchesUncleanFailure) {
  v1::BootstrapRequest request = RuncRequest();
  request.clear_uid_mappings();  // the runc protocols need uid 0 mapped
  RunCheck(CheckPlan, RealOps(), WithControl('\x00', Frame(request)));
  CodecOps ops = RealOps();
  ops.make_plan = PlanFailsInternally;
  EXPECT_DEATH(RunCheck(CheckPlan, ops, WithControl('\x00', Frame(request))), kDies);
}

// ---- differential ---------------------------------------------------------

TEST(DifferentialHarness, RealCodecsPass) {
  RunCheck(CheckDifferential, RealOps(), WithControl('\x00', Netlink(RuncRequest())));
  RunCheck(CheckDifferential, RealOps(), WithControl('\x00', RawFrame(RuncRequest())));
  v1::BootstrapRequest pid = RuncRequest();
  pid.mutable_join_namespaces(0)->set_pid(42);
  RunCheck(CheckDifferential, RealOps(), WithControl('\x01', RawFrame(pid)));
}

TEST(DifferentialHarness, CatchesLossyFrameEncoder) {
  CodecOps ops = RealOps();
  ops.encode_frame = EncodeFrameDropsUidMappings;
  EXPECT_DEATH(
      RunCheck(CheckDifferential, ops, WithControl('\x00', Netlink(RuncRequest()))),
      kDies);
}

TEST(DifferentialHarness, CatchesLossyNetlinkDecoder) {
  CodecOps ops = RealOps();
  ops.decode_netlink = DecodeNetlinkDropsOom;
  EXPECT_DEATH(
      RunCheck(CheckDifferential, ops, WithControl('\x00', RawFrame(RuncRequest()))),
      kDies);
}

TEST(DifferentialHarness, CatchesUndocumentedRefusal) {
  v1::BootstrapRequest request = RuncRequest();
  request.set_uidmap_helper("/usr/bin/newuidmap");
  RunCheck(CheckDifferential, RealOps(), WithControl('\x00', RawFrame(request)));
  CodecOps ops = RealOps();
  ops.encode_netlink = EncodeNetlinkRefusesUidmapHelper;
  EXPECT_DEATH(RunCheck(CheckDifferential, ops, WithControl('\x00', RawFrame(request))),
               kDies);
}

TEST(DifferentialHarness, CatchesDifferentErrorCodes) {
  v1::BootstrapRequest bad = RuncRequest();
  bad.mutable_uid_mappings(0)->set_size(0);
  RunCheck(CheckDifferential, RealOps(), WithControl('\x00', RawFrame(bad)));
  CodecOps ops = RealOps();
  ops.encode_netlink = EncodeNetlinkRefusesAsFailedPrecondition;
  EXPECT_DEATH(RunCheck(CheckDifferential, ops, WithControl('\x00', RawFrame(bad))),
               kDies);
}

TEST(DifferentialHarness, ExceptionsComeFromTheList) {
  v1::BootstrapRequest request = RuncRequest();
  request.mutable_options()->set_parent_death_signal(15);
  const std::string input = WithControl('\x00', RawFrame(request));
  const std::string data(input);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  CheckDifferentialWith(RealOps(), CheckedInExceptions(), bytes, data.size());
  // Without the "options" line, the same request is a finding.
  const DifferentialExceptions without =
      ParseDifferentialExceptions("reject join_by_pid\nnormalize schema_version\n");
  EXPECT_DEATH(CheckDifferentialWith(RealOps(), without, bytes, data.size()),
               kDies);
  // Without the normalizations, an ordinary round trip differs.
  const std::string plain = WithControl('\x00', RawFrame(RuncRequest()));
  EXPECT_DEATH(CheckDifferentialWith(
                   RealOps(), ParseDifferentialExceptions(""),
                   reinterpret_cast<const uint8_t*>(plain.data()), plain.size()),
               kDies);
}

TEST(DifferentialHarness, UnknownExceptionIdsAreRejected) {
  EXPECT_DEATH(ParseDifferentialExceptions("reject made_up_rule\n"), kDies);
  EXPECT_DEATH(ParseDifferentialExceptions("allow options\n"), kDies);
  EXPECT_FALSE(CheckedInExceptions().rejects.empty());
}

// ---- the structure-aware mutator ------------------------------------------

TEST(Mutator, StaysWithinMaxSizeAndMostlyKeepsFraming) {
  InputShape shape;
  shape.prefix = 1;
  const std::string seed = WithControl('\x00', Netlink(RuncRequest()));
  int decodable = 0, changed = 0;
  constexpr int kRounds = 2000;
  for (unsigned i = 1; i <= kRounds; ++i) {
    std::string buf = seed;
    const size_t max_size = 512;
    buf.resize(max_size);
    const size_t n = MutateRequestInput(
        shape, reinterpret_cast<uint8_t*>(&buf[0]), seed.size(), max_size, i);
    ASSERT_LE(n, max_size);
    buf.resize(n);
    if (buf != seed) ++changed;
    const absl::string_view body = absl::string_view(buf).substr(1);
    if (n > 1 && (codec::DecodeNetlink(body, RuncDialect::kRunc11).ok() ||
                  codec::DecodeRequestFrame(body).ok())) {
      ++decodable;
    }
  }
  // Raw byte flips almost never keep a netlink message valid; the typed
  // mutations often do.
  EXPECT_GT(changed, kRounds / 2);
  EXPECT_GT(decodable, kRounds / 10);
}

TEST(Mutator, MutatesFramesAndKeepsTrailingBytes) {
  InputShape shape;
  shape.prefix = 1;
  shape.trailing = true;
  const std::string seed = WithControl('\x01', Frame(RuncRequest())) + "TAIL";
  int kept = 0;
  for (unsigned i = 1; i <= 500; ++i) {
    std::string buf = seed;
    buf.resize(4096);
    const size_t n = MutateRequestInput(
        shape, reinterpret_cast<uint8_t*>(&buf[0]), seed.size(), 4096, i);
    buf.resize(n);
    if (buf.size() >= 4 && buf.compare(buf.size() - 4, 4, "TAIL") == 0) ++kept;
  }
  EXPECT_GT(kept, 250);
}

}  // namespace
}  // namespace fuzz
}  // namespace nsboot
