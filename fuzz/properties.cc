#include "fuzz/properties.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "codec/chunked_source.h"
#include "codec/decode_error.h"
#include "codec/frame.h"
#include "codec/limits.h"
#include "codec/netlink.h"
#include "codec/reader.h"
#include "codec/validate.h"
#include "common/status.h"
#include "common/str_cat.h"
#include "executor/plan.h"
#include "executor/proc_joins.h"
#include "fuzz/check.h"
#include "google/protobuf/util/message_differencer.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace fuzz {
namespace {

using codec::RuncDialect;
using executor::FinishMode;
using executor::Plan;
using executor::PlanOptions;
using executor::PlanStep;
using executor::ReplyProtocol;
using executor::StepKind;
using executor::SyncPoint;

bool Same(const google::protobuf::Message& a,
          const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

std::string Text(const google::protobuf::Message& m) {
  return m.ShortDebugString();
}

// Every rejection of bytes is InvalidArgument "offset N: ..." with N inside
// (or just past) the input.
void CheckDecodeError(const Status& status, size_t size) {
  NSBOOT_FUZZ_CHECK_MSG(status.code() == StatusCode::kInvalidArgument, "%s",
                        status.ToString().c_str());
  const auto offset = codec::DecodeErrorOffset(status);
  NSBOOT_FUZZ_CHECK_MSG(offset.has_value(), "no byte offset: %s",
                        status.ToString().c_str());
  NSBOOT_FUZZ_CHECK_MSG(*offset <= size, "offset %llu past %zu bytes: %s",
                        static_cast<unsigned long long>(*offset), size,
                        status.ToString().c_str());
  NSBOOT_FUZZ_CHECK(
      absl::StartsWith(status.message(), StrCat("offset ", *offset, ": ")));
}

bool HasAttribute(const v1::BootstrapRequest& request, uint32_t type) {
  for (uint32_t t : request.netlink_layout().attribute_order()) {
    if (t == type) return true;
  }
  return false;
}

RuncDialect DialectOf(uint8_t control) {
  return (control & 1) ? RuncDialect::kRunc12 : RuncDialect::kRunc11;
}

bool IsFrame(absl::string_view body) {
  return body.size() >= 4 && std::memcmp(body.data(), codec::kFrameMagic, 4) == 0;
}

// The payload of something framed like a request frame, parsed without any
// of the decoder's checks (a typed request that may be invalid).
bool ParseLenient(absl::string_view body, v1::BootstrapRequest* request) {
  if (!IsFrame(body) || body.size() < codec::kFrameHeaderSize) return false;
  const absl::string_view payload = body.substr(codec::kFrameHeaderSize);
  if (!request->ParseFromArray(payload.data(),
                               static_cast<int>(payload.size()))) {
    return false;
  }
  request->DiscardUnknownFields();
  return true;
}

}  // namespace

const CodecOps& RealOps() {
  static const CodecOps ops = {
      codec::DecodeNetlink,      codec::EncodeNetlink,
      codec::DecodeRequestFrame, codec::EncodeRequestFrame,
      codec::DecodeReplyFrame,   codec::EncodeReplyFrame,
      codec::ValidateRequest,    codec::ReadRequest,
      executor::MakePlan,
  };
  return ops;
}

// ---------------------------------------------------------------------------
// netlink_decode
// ---------------------------------------------------------------------------

void CheckNetlinkDecode(const CodecOps& ops, const uint8_t* data,
                        size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  StatusOr<v1::BootstrapRequest> results[2] = {
      ops.decode_netlink(bytes, RuncDialect::kRunc11),
      ops.decode_netlink(bytes, RuncDialect::kRunc12)};
  const RuncDialect dialects[2] = {RuncDialect::kRunc11, RuncDialect::kRunc12};
  for (int i = 0; i < 2; ++i) {
    const auto& request = results[i];
    if (!request.ok()) {
      CheckDecodeError(request.status(), size);
      continue;
    }
    // Accepted: it validates, its header parses to its size, and it
    // re-encodes to the very same bytes (one encoding per request).
    const Status valid = ops.validate(*request);
    NSBOOT_FUZZ_CHECK_MSG(valid.ok(), "%s", valid.ToString().c_str());
    const auto length = codec::ParseNetlinkHeader(bytes);
    NSBOOT_FUZZ_CHECK(length.ok() && *length == size);
    NSBOOT_FUZZ_CHECK(request->netlink_layout().attribute_order_size() <=
                      codec::kMaxNetlinkAttributes);
    auto again = ops.encode_netlink(*request, dialects[i]);
    NSBOOT_FUZZ_CHECK_MSG(again.ok(), "%s", again.status().ToString().c_str());
    NSBOOT_FUZZ_CHECK_MSG(*again == bytes, "re-encoded %zu bytes differ from "
                          "the %zu decoded", again->size(), size);
  }
  // Without attribute 27290 the two dialects read a message the same way.
  for (int i = 0; i < 2; ++i) {
    if (results[i].ok() &&
        !HasAttribute(*results[i], codec::kMountSourcesAttr)) {
      const auto& other = results[1 - i];
      NSBOOT_FUZZ_CHECK_MSG(other.ok(), "one dialect accepts, the other "
                            "says %s", other.status().ToString().c_str());
      NSBOOT_FUZZ_CHECK(Same(*results[i], *other));
    }
  }
}

// ---------------------------------------------------------------------------
// frame_decode
// ---------------------------------------------------------------------------

void CheckFrameDecode(const CodecOps& ops, const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = ops.decode_frame(bytes);
  if (request.ok()) {
    const Status valid = ops.validate(*request);
    NSBOOT_FUZZ_CHECK_MSG(valid.ok(), "%s", valid.ToString().c_str());
    auto frame = ops.encode_frame(*request);
    NSBOOT_FUZZ_CHECK_MSG(frame.ok(), "%s", frame.status().ToString().c_str());
    auto back = ops.decode_frame(*frame);
    NSBOOT_FUZZ_CHECK_MSG(back.ok(), "%s", back.status().ToString().c_str());
    NSBOOT_FUZZ_CHECK_MSG(Same(*request, *back), "%s\nvs\n%s",
                          Text(*request).c_str(), Text(*back).c_str());
    // The encoding is deterministic and canonical.
    auto twice = ops.encode_frame(*back);
    NSBOOT_FUZZ_CHECK(twice.ok() && *twice == *frame);
  } else {
    CheckDecodeError(request.status(), size);
  }
  auto reply = ops.decode_reply(bytes);
  if (reply.ok()) {
    // Unknown reply fields are kept and re-emitted.
    auto frame = ops.encode_reply(*reply);
    NSBOOT_FUZZ_CHECK_MSG(frame.ok(), "%s", frame.status().ToString().c_str());
    auto back = ops.decode_reply(*frame);
    NSBOOT_FUZZ_CHECK(back.ok());
    NSBOOT_FUZZ_CHECK(Same(*reply, *back));
  } else {
    CheckDecodeError(reply.status(), size);
  }
}

// ---------------------------------------------------------------------------
// reader_chunked
// ---------------------------------------------------------------------------

void CheckReaderChunked(const CodecOps& ops, const uint8_t* data,
                        size_t size) {
  if (size < 1) return;
  const uint8_t control = data[0];
  std::vector<int> chunks;
  for (int bit = 0; bit < 4; ++bit) {
    chunks.push_back(1 + ((control >> bit) & 0x7));
    if (control & (0x10 << bit)) chunks.push_back(0);  // EINTR
  }
  const std::string pipe(reinterpret_cast<const char*>(data) + 1, size - 1);
  codec::ReaderOptions options;
  options.runc_dialect = DialectOf(control);
  codec::ChunkedSource source(pipe, chunks);
  auto result = ops.read_request(source, options);
  // Memory: no single read asks for more than one chunk.
  NSBOOT_FUZZ_CHECK(source.max_request() <= codec::kReadChunkSize);
  NSBOOT_FUZZ_CHECK(source.consumed() <= pipe.size());

  // The chunking never changes the outcome: the same pipe read in one go
  // gives the same request or the very same error.
  codec::ChunkedSource whole(pipe, {});
  auto reference = ops.read_request(whole, options);
  NSBOOT_FUZZ_CHECK_MSG(result.status() == reference.status(),
                        "chunked: %s\nwhole: %s",
                        result.status().ToString().c_str(),
                        reference.status().ToString().c_str());
  NSBOOT_FUZZ_CHECK(source.consumed() == whole.consumed());

  if (!result.ok()) {
    const Status& status = result.status();
    if (status.code() == StatusCode::kDataLoss) {
      // EOF mid-message: everything there was got read.
      NSBOOT_FUZZ_CHECK(source.consumed() == pipe.size());
    } else {
      CheckDecodeError(status, pipe.size());
    }
    return;
  }
  NSBOOT_FUZZ_CHECK(result->encoding == reference->encoding);
  NSBOOT_FUZZ_CHECK(result->size == reference->size);
  NSBOOT_FUZZ_CHECK(result->request == reference->request);
  // Exactly one message was consumed, not a byte after it.
  NSBOOT_FUZZ_CHECK_MSG(source.consumed() == result->size,
                        "consumed %zu, message %zu", source.consumed(),
                        result->size);
  const std::string message = pipe.substr(0, result->size);
  const auto detected = codec::DetectEncoding(message);
  NSBOOT_FUZZ_CHECK(detected.ok() && *detected == result->encoding);
  StatusOr<v1::BootstrapRequest> direct =
      result->encoding == codec::Encoding::kNetlink
          ? ops.decode_netlink(message, options.runc_dialect)
          : ops.decode_frame(message);
  NSBOOT_FUZZ_CHECK_MSG(direct.ok(), "%s", direct.status().ToString().c_str());
  const v1::BootstrapRequest read_request = v1::ToProto(result->request);
  NSBOOT_FUZZ_CHECK_MSG(Same(*direct, read_request), "%s\nvs\n%s",
                        Text(*direct).c_str(), Text(read_request).c_str());
  // An encoding the caller turned off is refused at offset 0.
  codec::ReaderOptions off = options;
  if (result->encoding == codec::Encoding::kNetlink) {
    off.accept_netlink = false;
  } else {
    off.accept_frame = false;
  }
  codec::ChunkedSource again(pipe, chunks);
  auto refused = ops.read_request(again, off);
  NSBOOT_FUZZ_CHECK(!refused.ok());
  NSBOOT_FUZZ_CHECK(codec::DecodeErrorOffset(refused.status()) ==
                    std::optional<uint64_t>(0));
}

// ---------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------

namespace {

bool IsStage0Kind(StepKind k) {
  switch (k) {
    case StepKind::kSetName: case StepKind::kSetParentDeathSignal:
    case StepKind::kSetDumpable: case StepKind::kReplyReady:
    case StepKind::kWriteOomScoreAdj: case StepKind::kCloneChild:
    case StepKind::kAwait: case StepKind::kAck:
    case StepKind::kWriteSetgroups: case StepKind::kWriteUidMap:
    case StepKind::kWriteGidMap: case StepKind::kWriteTimeOffsets:
    case StepKind::kSendMountSources: case StepKind::kReplyPids:
    case StepKind::kReleaseInit: case StepKind::kAwaitInit:
    case StepKind::kParentDone:
      return true;
    default:
      return false;
  }
}

bool IsStage1Kind(StepKind k) {
  switch (k) {
    case StepKind::kSetName: case StepKind::kSetParentDeathSignal:
    case StepKind::kSetDumpable: case StepKind::kBecomeRoot:
    case StepKind::kOpenNamespaces: case StepKind::kJoin:
    case StepKind::kJoinDeferred: case StepKind::kCloseNamespaces:
    case StepKind::kUnshare: case StepKind::kRequest:
    case StepKind::kReceiveMountSources: case StepKind::kCloneInit:
    case StepKind::kReportInitPid: case StepKind::kExitChild:
      return true;
    default:
      return false;
  }
}

bool IsStage2Kind(StepKind k) {
  switch (k) {
    case StepKind::kSetName: case StepKind::kAwaitRelease:
    case StepKind::kSetsid: case StepKind::kBecomeRoot:
    case StepKind::kDropGroups: case StepKind::kUnshare:
    case StepKind::kSetParentDeathSignal: case StepKind::kFinishReturn:
    case StepKind::kFinishExec:
      return true;
    default:
      return false;
  }
}

int Count(const std::vector<PlanStep>& steps, StepKind kind) {
  return static_cast<int>(std::count_if(
      steps.begin(), steps.end(),
      [kind](const PlanStep& s) { return s.kind == kind; }));
}

int CountSync(const std::vector<PlanStep>& steps, StepKind kind,
              SyncPoint sync) {
  return static_cast<int>(
      std::count_if(steps.begin(), steps.end(), [&](const PlanStep& s) {
        return s.kind == kind && s.sync == sync;
      }));
}

std::string MapText(
    const google::protobuf::RepeatedPtrField<v1::IdMapping>& mappings) {
  std::string text;
  for (const v1::IdMapping& m : mappings) {
    StrAppend(&text, m.container_id(), " ", m.host_id(), " ", m.size(), "\n");
  }
  return text;
}

bool MapsZero(
    const google::protobuf::RepeatedPtrField<v1::IdMapping>& mappings) {
  for (const v1::IdMapping& m : mappings) {
    if (m.container_id() == 0) return true;
  }
  return false;
}

int IndexOfKind(const std::vector<PlanStep>& steps, StepKind kind) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].kind == kind) return static_cast<int>(i);
  }
  return -1;
}

// Where the final process's steps stand against its one release: what it
// does to itself before (setsid; the ids unless `ids_after_release`: in a
// new user namespace they wait for the maps stage 0 writes after the
// clone), the rest after.
void CheckReleaseOrder(const std::vector<PlanStep>& f, bool ids_after_release) {
  NSBOOT_FUZZ_CHECK(!f.empty() && f[0].kind == StepKind::kSetName);
  const int release = IndexOfKind(f, StepKind::kAwaitRelease);
  NSBOOT_FUZZ_CHECK(release > 0);
  for (size_t i = 1; i < f.size(); ++i) {
    const bool before = static_cast<int>(i) < release;
    switch (f[i].kind) {
      case StepKind::kSetsid:
        NSBOOT_FUZZ_CHECK(before);
        break;
      case StepKind::kBecomeRoot:
      case StepKind::kDropGroups:
        NSBOOT_FUZZ_CHECK(before != ids_after_release);
        break;
      case StepKind::kAwaitRelease:
        break;
      default:
        NSBOOT_FUZZ_CHECK_MSG(!before, "stage 2 step %s before the release",
                              executor::StepKindName(f[i].kind));
    }
  }
}

// A two-process plan: stage 0 joins, clones the final process into every
// new namespace, writes its maps from outside; no stage 1 (the runc
// protocols report a placeholder instead).
void CheckTwoProcessPlan(const v1::BootstrapRequest& request,
                         const PlanOptions& options, const Plan& plan) {
  const bool runc = options.protocol != ReplyProtocol::kNative;
  const bool runc11 = options.protocol == ReplyProtocol::kRunc11;
  NSBOOT_FUZZ_CHECK(options.two_processes);
  NSBOOT_FUZZ_CHECK_MSG(plan.mount_sources.empty(),
                        "mount sources, 2 processes");
  NSBOOT_FUZZ_CHECK(plan.stages[0].stage == v1::STAGE_PARENT);
  NSBOOT_FUZZ_CHECK(plan.stages[1].stage == v1::STAGE_UNSPECIFIED);
  NSBOOT_FUZZ_CHECK(plan.stages[1].steps.empty());
  NSBOOT_FUZZ_CHECK(plan.stages[2].stage == v1::STAGE_INIT);
  NSBOOT_FUZZ_CHECK(plan.stages[0].name == options.process_names[0]);
  NSBOOT_FUZZ_CHECK(plan.stages[2].name == options.process_names[2]);
  uint32_t create = 0;
  for (int type : request.create_namespaces()) {
    create |= executor::NamespaceCloneFlag(static_cast<v1::Namespace>(type));
  }
  NSBOOT_FUZZ_CHECK(plan.create_flags == create);
  uint32_t joined = 0;
  for (const executor::JoinTarget& t : plan.join_targets) joined |= t.clone_flags;
  const bool joins = !plan.join_targets.empty();
  const bool create_user = create & 0x10000000;
  // Where two processes are not equivalent, MakePlan keeps three.
  NSBOOT_FUZZ_CHECK_MSG((create & 0x00000080) == 0, "new time ns, 2 processes");
  NSBOOT_FUZZ_CHECK_MSG((joined & 0x10000000) == 0, "joined user ns, 2 processes");
  const bool uid_map = create_user && request.uid_mappings_size() > 0;
  const bool gid_map = create_user && request.gid_mappings_size() > 0;
  const bool deny =
      create_user &&
      (request.setgroups() == v1::SETGROUPS_DENY ||
       (request.setgroups() == v1::SETGROUPS_UNSPECIFIED &&
        request.rootless_euid()));
  NSBOOT_FUZZ_CHECK_MSG(!(joins && (uid_map || gid_map || deny)),
                        "joins and maps, 2 processes");

  const std::vector<PlanStep>& p = plan.stages[0].steps;
  const std::vector<PlanStep>& f = plan.stages[2].steps;
  for (const PlanStep& s : p) {
    const bool ok =
        (IsStage0Kind(s.kind) && s.kind != StepKind::kCloneChild &&
         s.kind != StepKind::kAwait && s.kind != StepKind::kAck &&
         s.kind != StepKind::kWriteTimeOffsets &&
         s.kind != StepKind::kSendMountSources) ||
        s.kind == StepKind::kCloneFinal ||
        (runc && s.kind == StepKind::kClonePlaceholder) ||
        s.kind == StepKind::kOpenNamespaces || s.kind == StepKind::kJoin ||
        s.kind == StepKind::kCloseNamespaces;
    NSBOOT_FUZZ_CHECK_MSG(ok, "two-process stage 0 step %s",
                          executor::StepKindName(s.kind));
  }
  // runc 1.1 unshares a new cgroup namespace in the final process, after
  // the release, as its stage 2 does.
  const uint32_t late = runc11 ? (create & 0x02000000) : 0;
  for (const PlanStep& s : f) {
    NSBOOT_FUZZ_CHECK_MSG(IsStage2Kind(s.kind) &&
                              (s.kind != StepKind::kUnshare ||
                               (late != 0 && s.value == late)),
                          "two-process stage 2 step %s",
                          executor::StepKindName(s.kind));
  }
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kUnshare) == (late != 0 ? 1 : 0));
  // One clone3 with every create flag.
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kCloneFinal) == 1);
  const int clone = IndexOfKind(p, StepKind::kCloneFinal);
  NSBOOT_FUZZ_CHECK(p[clone].value == static_cast<int64_t>(create & ~late));
  // Joins: every target once, all opened first, all before the clone, after
  // oom_score_adj and non-dumpable.
  std::vector<int> join_count(plan.join_targets.size(), 0);
  const int open = IndexOfKind(p, StepKind::kOpenNamespaces);
  const int close = IndexOfKind(p, StepKind::kCloseNamespaces);
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].kind != StepKind::kJoin) continue;
    NSBOOT_FUZZ_CHECK(p[i].value >= 0 &&
                      static_cast<size_t>(p[i].value) < join_count.size());
    NSBOOT_FUZZ_CHECK(!p[i].defer_eperm);
    NSBOOT_FUZZ_CHECK(open >= 0 && open < static_cast<int>(i) &&
                      static_cast<int>(i) < close);
    ++join_count[p[i].value];
  }
  for (int n : join_count) NSBOOT_FUZZ_CHECK(n == 1);
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kOpenNamespaces) == (joins ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kCloseNamespaces) == (joins ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kSetDumpable) == (joins ? 1 : 0));
  if (joins) {
    const int dumpable = IndexOfKind(p, StepKind::kSetDumpable);
    NSBOOT_FUZZ_CHECK(p[dumpable].value == 0);
    NSBOOT_FUZZ_CHECK(dumpable < open && close < clone);
    const int oom = IndexOfKind(p, StepKind::kWriteOomScoreAdj);
    NSBOOT_FUZZ_CHECK(oom < dumpable);
  }
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteOomScoreAdj) ==
                    (request.has_oom_score_adj() ? 1 : 0));
  // Maps: written from outside, after the clone, before the pids.
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteUidMap) == (uid_map ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteGidMap) == (gid_map ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteSetgroups) == (deny ? 1 : 0));
  const int pids = IndexOfKind(p, StepKind::kReplyPids);
  for (size_t i = 0; i < p.size(); ++i) {
    const PlanStep& s = p[i];
    if (s.kind == StepKind::kWriteUidMap) {
      NSBOOT_FUZZ_CHECK(s.text == MapText(request.uid_mappings()));
      NSBOOT_FUZZ_CHECK(s.helper == request.uidmap_helper());
    }
    if (s.kind == StepKind::kWriteGidMap) {
      NSBOOT_FUZZ_CHECK(s.text == MapText(request.gid_mappings()));
      NSBOOT_FUZZ_CHECK(s.helper == request.gidmap_helper());
    }
    if (s.kind == StepKind::kWriteUidMap || s.kind == StepKind::kWriteGidMap ||
        s.kind == StepKind::kWriteSetgroups) {
      NSBOOT_FUZZ_CHECK(clone < static_cast<int>(i) &&
                        static_cast<int>(i) < pids);
    }
  }
  // The runc protocols' stage-1 pid: a placeholder, cloned before any join
  // (a process of the caller's pid namespace) and before the final process.
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kClonePlaceholder) == (runc ? 1 : 0));
  if (runc) {
    const int placeholder = IndexOfKind(p, StepKind::kClonePlaceholder);
    NSBOOT_FUZZ_CHECK(placeholder < clone && placeholder < pids);
    for (int i = 0; i < placeholder; ++i) {
      NSBOOT_FUZZ_CHECK(p[i].kind != StepKind::kOpenNamespaces &&
                        p[i].kind != StepKind::kJoin);
    }
    // It shares stage 0's memory unless a time namespace is joined (setns
    // refuses that to a process sharing its memory).
    bool joins_time = false;
    for (const auto& join : request.join_namespaces()) {
      joins_time = joins_time || join.type() == v1::NAMESPACE_TIME;
    }
    NSBOOT_FUZZ_CHECK(p[placeholder].value == (joins_time ? 0 : 1));
  }
  // The final process (runc: root, as its stage 2).
  const bool root_uid =
      runc || (create_user && MapsZero(request.uid_mappings()));
  const bool root_gid =
      runc || (create_user && MapsZero(request.gid_mappings()));
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kBecomeRoot) ==
                    (root_uid || root_gid ? 1 : 0));
  for (const PlanStep& s : f) {
    if (s.kind == StepKind::kBecomeRoot) {
      NSBOOT_FUZZ_CHECK(s.uid == root_uid && s.gid == root_gid);
    }
  }
  const bool drop_groups = request.setgroups() == v1::SETGROUPS_ALLOW &&
                           !request.rootless_euid();
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kDropGroups) == (drop_groups ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kSetsid) ==
                    (runc || options.new_session ? 1 : 0));
  const int pds = request.options().parent_death_signal();
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kSetParentDeathSignal) ==
                    (pds != 0 ? 1 : 0));
  for (const PlanStep& s : p) {
    if (s.kind == StepKind::kSetParentDeathSignal) {
      NSBOOT_FUZZ_CHECK(s.value == (pds != 0 ? pds : 9));
    }
  }
  // The conversation: one release, awaited; no other sync.
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kReplyReady) ==
                    (options.protocol == ReplyProtocol::kRunc12 ? 0 : 1));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kReplyPids) == 1);
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kReleaseInit) == 1);
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kAwaitInit) == 1);
  NSBOOT_FUZZ_CHECK(p.back().kind == StepKind::kParentDone);
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kAwaitRelease) == 1);
  CheckReleaseOrder(f, create_user);
  // Nothing in the final process can fail after its clone: its name,
  // setsid, the release, the return, and runc's become-root in stage 0's
  // user namespace (a no-op when Run skips it).
  bool infallible = options.finish == FinishMode::kReturn && !create_user;
  for (const PlanStep& s : f) {
    infallible &= s.kind == StepKind::kSetName || s.kind == StepKind::kSetsid ||
                  s.kind == StepKind::kAwaitRelease ||
                  s.kind == StepKind::kFinishReturn ||
                  (s.kind == StepKind::kBecomeRoot && s.uid && s.gid);
  }
  NSBOOT_FUZZ_CHECK(executor::InitFinishSkippable(plan) == infallible);
  NSBOOT_FUZZ_CHECK(f.back().kind == (options.finish == FinishMode::kExec
                                          ? StepKind::kFinishExec
                                          : StepKind::kFinishReturn));
  NSBOOT_FUZZ_CHECK(plan.reply_pidfds == request.options().reply_pidfds());
}

}  // namespace

void CheckPlanMatchesRequest(const v1::BootstrapRequest& request,
                             const PlanOptions& options, const Plan& plan) {
  if (plan.processes == 2) {
    CheckTwoProcessPlan(request, options, plan);
    // The same request with three processes must be a valid plan too (the
    // two-process one is its equivalent).
    PlanOptions three = options;
    three.two_processes = false;
    const StatusOr<Plan> full = executor::MakePlan(request, three);
    NSBOOT_FUZZ_CHECK_MSG(full.ok(), "%s", full.status().ToString().c_str());
    NSBOOT_FUZZ_CHECK(full->processes == 3);
    CheckPlanMatchesRequest(request, three, *full);
    return;
  }
  NSBOOT_FUZZ_CHECK(plan.processes == 3);
  const bool runc = options.protocol != ReplyProtocol::kNative;
  NSBOOT_FUZZ_CHECK(plan.protocol == options.protocol);
  NSBOOT_FUZZ_CHECK(plan.finish == options.finish);
  NSBOOT_FUZZ_CHECK(plan.schema_version ==
                    (request.schema_version() == 0 ? 1
                                                   : request.schema_version()));
  NSBOOT_FUZZ_CHECK(plan.stages[0].stage == v1::STAGE_PARENT);
  NSBOOT_FUZZ_CHECK(plan.stages[1].stage == v1::STAGE_CHILD);
  NSBOOT_FUZZ_CHECK(plan.stages[2].stage == v1::STAGE_INIT);
  for (int s = 0; s < 3; ++s) {
    NSBOOT_FUZZ_CHECK(plan.stages[s].name == options.process_names[s]);
  }

  // Namespaces: exactly those created, exactly those joined.
  uint32_t create = 0;
  for (int type : request.create_namespaces()) {
    create |= executor::NamespaceCloneFlag(static_cast<v1::Namespace>(type));
  }
  NSBOOT_FUZZ_CHECK_MSG(plan.create_flags == create, "plan creates 0x%x, "
                        "request asks 0x%x", plan.create_flags, create);
  uint32_t joined = 0;
  size_t joined_types = 0;
  for (const executor::JoinTarget& target : plan.join_targets) {
    NSBOOT_FUZZ_CHECK(!target.types.empty());
    uint32_t flags = 0;
    for (v1::Namespace type : target.types) {
      flags |= executor::NamespaceCloneFlag(type);
      // The request joins this type through this very target.
      bool found = false;
      for (const v1::NamespaceJoin& join : request.join_namespaces()) {
        if (join.type() != type) continue;
        switch (target.kind) {
          case executor::JoinTarget::Kind::kPath:
            found = join.target_case() == v1::NamespaceJoin::kPath &&
                    join.path() == target.path;
            break;
          case executor::JoinTarget::Kind::kPid:
            found = join.target_case() == v1::NamespaceJoin::kPid &&
                    join.pid() == target.pid;
            break;
          case executor::JoinTarget::Kind::kPidfd:
            found = join.target_case() == v1::NamespaceJoin::kPidfd &&
                    join.pidfd() == target.fd;
            break;
        }
      }
      NSBOOT_FUZZ_CHECK_MSG(found, "plan joins %s, the request does not",
                            executor::NamespaceName(type));
    }
    NSBOOT_FUZZ_CHECK(flags == target.clone_flags);
    NSBOOT_FUZZ_CHECK((joined & flags) == 0);
    joined |= flags;
    joined_types += target.types.size();
  }
  NSBOOT_FUZZ_CHECK(joined_types ==
                    static_cast<size_t>(request.join_namespaces_size()));
  const bool joins = !plan.join_targets.empty();
  const bool create_user = create & 0x10000000;
  const bool user_joined = joined & 0x10000000;

  const std::vector<PlanStep>& p = plan.stages[0].steps;
  const std::vector<PlanStep>& c = plan.stages[1].steps;
  const std::vector<PlanStep>& f = plan.stages[2].steps;
  for (const PlanStep& s : p) {
    NSBOOT_FUZZ_CHECK_MSG(IsStage0Kind(s.kind), "stage 0 step %s",
                          executor::StepKindName(s.kind));
  }
  for (const PlanStep& s : c) {
    NSBOOT_FUZZ_CHECK_MSG(IsStage1Kind(s.kind), "stage 1 step %s",
                          executor::StepKindName(s.kind));
  }
  for (const PlanStep& s : f) {
    NSBOOT_FUZZ_CHECK_MSG(IsStage2Kind(s.kind), "stage 2 step %s",
                          executor::StepKindName(s.kind));
  }

  // Unshares: together exactly the namespaces asked for, each once.
  uint32_t unshared = 0;
  for (const auto* steps : {&c, &f}) {
    for (const PlanStep& s : *steps) {
      if (s.kind != StepKind::kUnshare) continue;
      const uint32_t value = static_cast<uint32_t>(s.value);
      NSBOOT_FUZZ_CHECK(value != 0 && static_cast<int64_t>(value) == s.value);
      NSBOOT_FUZZ_CHECK_MSG((value & ~create) == 0, "unshare 0x%x not asked "
                            "for (0x%x)", value, create);
      NSBOOT_FUZZ_CHECK((unshared & value) == 0);
      unshared |= value;
    }
  }
  NSBOOT_FUZZ_CHECK_MSG(unshared == create, "unshared 0x%x, asked 0x%x",
                        unshared, create);

  // Joins: only with something to join; every target exactly once.
  std::vector<int> join_count(plan.join_targets.size(), 0);
  for (const PlanStep& s : c) {
    if (s.kind != StepKind::kJoin) continue;
    NSBOOT_FUZZ_CHECK(s.value >= 0 &&
                      static_cast<size_t>(s.value) < plan.join_targets.size());
    ++join_count[s.value];
  }
  for (int n : join_count) NSBOOT_FUZZ_CHECK(n == 1);
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kOpenNamespaces) == (joins ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kCloseNamespaces) == (joins ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kJoinDeferred) <=
                    (user_joined && plan.join_targets.size() > 1 ? 1 : 0));

  // oom_score_adj: written iff asked, with the asked value.
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteOomScoreAdj) ==
                    (request.has_oom_score_adj() ? 1 : 0));
  for (const PlanStep& s : p) {
    if (s.kind == StepKind::kWriteOomScoreAdj) {
      NSBOOT_FUZZ_CHECK(s.text == StrCat(request.oom_score_adj()));
    }
  }

  // User namespace maps and setgroups.
  const bool uid_map = create_user && request.uid_mappings_size() > 0;
  const bool gid_map = create_user && request.gid_mappings_size() > 0;
  const bool deny =
      create_user &&
      (request.setgroups() == v1::SETGROUPS_DENY ||
       (request.setgroups() == v1::SETGROUPS_UNSPECIFIED &&
        request.rootless_euid()));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteUidMap) == (uid_map ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteGidMap) == (gid_map ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteSetgroups) == (deny ? 1 : 0));
  for (const PlanStep& s : p) {
    if (s.kind == StepKind::kWriteUidMap) {
      NSBOOT_FUZZ_CHECK(s.text == MapText(request.uid_mappings()));
      NSBOOT_FUZZ_CHECK(s.helper == request.uidmap_helper());
      NSBOOT_FUZZ_CHECK(s.helper_args.size() ==
                        3u * request.uid_mappings_size());
    }
    if (s.kind == StepKind::kWriteGidMap) {
      NSBOOT_FUZZ_CHECK(s.text == MapText(request.gid_mappings()));
      NSBOOT_FUZZ_CHECK(s.helper == request.gidmap_helper());
      NSBOOT_FUZZ_CHECK(s.helper_args.size() ==
                        3u * request.gid_mappings_size());
    }
    if (s.kind == StepKind::kWriteSetgroups) NSBOOT_FUZZ_CHECK(s.text == "deny");
  }
  const bool drop_groups = request.setgroups() == v1::SETGROUPS_ALLOW &&
                           !request.rootless_euid();
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kDropGroups) == (drop_groups ? 1 : 0));
  for (const PlanStep& s : c) {
    if (s.kind == StepKind::kBecomeRoot) {
      NSBOOT_FUZZ_CHECK_MSG(create_user || user_joined,
                            "become-root without a user namespace");
      if (!user_joined) {
        NSBOOT_FUZZ_CHECK(!s.uid || MapsZero(request.uid_mappings()));
        NSBOOT_FUZZ_CHECK(!s.gid || MapsZero(request.gid_mappings()));
      }
    }
  }
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kBecomeRoot) == (runc ? 1 : 0));

  // Time namespace offsets.
  const bool time_offsets = request.time_offsets_size() > 0;
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kWriteTimeOffsets) ==
                    (time_offsets ? 1 : 0));
  if (time_offsets) NSBOOT_FUZZ_CHECK(create & 0x00000080);
  for (const PlanStep& s : p) {
    if (s.kind != StepKind::kWriteTimeOffsets) continue;
    std::string text;
    for (const v1::TimeOffset& o : request.time_offsets()) {
      StrAppend(
          &text,
          o.clock() == v1::TIME_CLOCK_MONOTONIC ? "monotonic" : "boottime", " ",
          o.seconds(), " ", o.nanoseconds(), "\n");
    }
    NSBOOT_FUZZ_CHECK(s.text == text);
  }

  // Mount sources: runc 1.1 only, with at least one non-empty source.
  bool sources = false;
  for (const std::string& s : request.mount_sources()) sources |= !s.empty();
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kSendMountSources) == (sources ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kReceiveMountSources) ==
                    (sources ? 1 : 0));
  if (sources) {
    NSBOOT_FUZZ_CHECK(options.protocol == ReplyProtocol::kRunc11);
    NSBOOT_FUZZ_CHECK(plan.mount_sources.size() ==
                      static_cast<size_t>(request.mount_sources_size()));
  } else {
    NSBOOT_FUZZ_CHECK(plan.mount_sources.empty());
  }

  // Options.
  const v1::Options& o = request.options();
  const int pds = o.parent_death_signal();
  for (const auto* steps : {&p, &c, &f}) {
    for (const PlanStep& s : *steps) {
      if (s.kind == StepKind::kSetParentDeathSignal) {
        NSBOOT_FUZZ_CHECK_MSG(s.value == (pds != 0 ? pds : 9) ||
                                  (steps == &f && s.value == pds),
                              "parent death signal %lld not asked for",
                              static_cast<long long>(s.value));
      }
      if (s.kind == StepKind::kSetDumpable) {
        NSBOOT_FUZZ_CHECK(s.value == 0 || s.value == 1);
        NSBOOT_FUZZ_CHECK(joins);
      }
    }
  }
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kSetParentDeathSignal) ==
                    (pds != 0 ? 1 : 0));
  NSBOOT_FUZZ_CHECK(plan.log_level == (o.log_level() != v1::LOG_LEVEL_UNSPECIFIED
                                           ? o.log_level()
                                           : options.default_log_level));
  NSBOOT_FUZZ_CHECK(plan.reply_pidfds == o.reply_pidfds());
  if (plan.reply_pidfds) NSBOOT_FUZZ_CHECK(!runc);
  NSBOOT_FUZZ_CHECK(plan.reply_namespace_ids ==
                    (!runc && !o.skip_namespace_ids()));
  // A version 2 field passes only in a version 2 request.
  if (o.skip_namespace_ids()) NSBOOT_FUZZ_CHECK(request.schema_version() >= 2);
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kSetsid) ==
                    (runc || options.new_session ? 1 : 0));

  // The conversation: every request has its answer, and the fixed skeleton.
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kReplyReady) ==
                    (options.protocol == ReplyProtocol::kRunc12 ? 0 : 1));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kCloneChild) == 1);
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kReplyPids) == 1);
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kParentDone) == 1);
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kCloneInit) == 1);
  for (SyncPoint sync : {SyncPoint::kUserMaps, SyncPoint::kTimeOffsets,
                         SyncPoint::kMountSources}) {
    // receive-mount-sources sends its own kMountSources request.
    const int asked =
        CountSync(c, StepKind::kRequest, sync) +
        (sync == SyncPoint::kMountSources
             ? Count(c, StepKind::kReceiveMountSources)
             : 0);
    NSBOOT_FUZZ_CHECK(asked <= 1);
    NSBOOT_FUZZ_CHECK(CountSync(p, StepKind::kAwait, sync) == asked);
    NSBOOT_FUZZ_CHECK(CountSync(p, StepKind::kAck, sync) == asked);
  }
  NSBOOT_FUZZ_CHECK(CountSync(c, StepKind::kRequest, SyncPoint::kUserMaps) ==
                    (uid_map || gid_map || deny ? 1 : 0));
  NSBOOT_FUZZ_CHECK(CountSync(c, StepKind::kRequest, SyncPoint::kTimeOffsets) ==
                    (time_offsets ? 1 : 0));
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kReportInitPid) == 1);
  NSBOOT_FUZZ_CHECK(CountSync(p, StepKind::kAwait, SyncPoint::kInitPid) == 1);
  NSBOOT_FUZZ_CHECK(CountSync(p, StepKind::kAck, SyncPoint::kInitPid) == 1);
  NSBOOT_FUZZ_CHECK(Count(c, StepKind::kExitChild) == 1);
  NSBOOT_FUZZ_CHECK(c.back().kind == StepKind::kExitChild);
  NSBOOT_FUZZ_CHECK(CountSync(p, StepKind::kAwait, SyncPoint::kChildFinish) ==
                    1);
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kReleaseInit) == 1);
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kAwaitRelease) == 1);
  // Stage 1 had the maps written before it cloned the final process.
  CheckReleaseOrder(f, false);
  NSBOOT_FUZZ_CHECK(!executor::InitFinishSkippable(plan));
  NSBOOT_FUZZ_CHECK(Count(p, StepKind::kAwaitInit) == 1);
  const StepKind finish = options.finish == FinishMode::kExec
                              ? StepKind::kFinishExec
                              : StepKind::kFinishReturn;
  NSBOOT_FUZZ_CHECK(Count(f, StepKind::kFinishExec) +
                        Count(f, StepKind::kFinishReturn) ==
                    1);
  NSBOOT_FUZZ_CHECK(f.back().kind == finish);
}

// executor::CommonProcPid accepts exactly the canonical runc join paths:
// "/proc/N/ns/NAME" of one N > 0 (no leading zero) with NAME the file of
// each target's type, two targets or more, nothing else.
void CheckProcPid(const v1::BootstrapRequest& request) {
  const v1::plain::BootstrapRequest plain = v1::ToPlain(request);
  const int32_t pid = executor::CommonProcPid(plain);
  int64_t expected = 0;
  bool canonical = plain.join_namespaces.size() >= 2;
  for (const v1::plain::NamespaceJoin& join : plain.join_namespaces) {
    if (!canonical) break;
    if (join.target != v1::plain::NamespaceJoin::Target::kPath) {
      canonical = false;
      break;
    }
    // N from the first path, then every path must be spelled with it.
    if (expected == 0) {
      const std::string& path = join.path;
      size_t i = 6;
      if (path.compare(0, 6, "/proc/") != 0 || path.size() <= i ||
          path[i] < '1' || path[i] > '9') {
        canonical = false;
        break;
      }
      for (; i < path.size() && path[i] >= '0' && path[i] <= '9' &&
             expected <= INT32_MAX;
           ++i) {
        expected = expected * 10 + (path[i] - '0');
      }
      if (expected > INT32_MAX) {
        canonical = false;
        break;
      }
    }
    canonical = join.path == StrCat("/proc/", expected, "/ns/",
                                    executor::NamespaceName(join.type));
  }
  NSBOOT_FUZZ_CHECK_MSG(pid == (canonical ? expected : 0),
                        "CommonProcPid %d, expected %lld", pid,
                        static_cast<long long>(canonical ? expected : 0));
}

void CheckPlan(const CodecOps& ops, const uint8_t* data, size_t size) {
  if (size < 1) return;
  const uint8_t control = data[0];
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  v1::BootstrapRequest request;
  bool validated = false;
  StatusOr<v1::BootstrapRequest> decoded =
      IsFrame(body) ? ops.decode_frame(body)
                    : ops.decode_netlink(body, DialectOf(control));
  if (decoded.ok()) {
    request = *std::move(decoded);
    validated = true;
    const Status valid = ops.validate(request);
    NSBOOT_FUZZ_CHECK_MSG(valid.ok(), "%s", valid.ToString().c_str());
  } else if (!ParseLenient(body, &request)) {
    return;
  }
  // Unvalidated typed requests go to MakePlan too: it must check whatever it
  // relies on itself, and still plan nothing that was not asked for.
  CheckProcPid(request);

  PlanOptions options;
  options.new_session = control & 0x02;
  if (control & 0x04) options.default_log_level = v1::LOG_LEVEL_DEBUG;
  if (control & 0x08) {
    options.process_names = {"runc:[0:PARENT]", "runc:[1:CHILD]",
                             "runc:[2:INIT]"};
  }
  // runc 1.1's _LIBCONTAINER_MOUNT_FDS: one fd per source, -1 for empty
  // ones (bit 4 clear), or a mismatched list (bit 4 set).
  for (int i = 0; i < request.mount_sources_size(); ++i) {
    options.mount_source_fds.push_back(
        request.mount_sources(i).empty() ? -1 : 100 + i);
  }
  if (control & 0x10) {
    if (control & 0x20) {
      options.mount_source_fds.push_back(3);
    } else if (!options.mount_source_fds.empty()) {
      options.mount_source_fds.back() = options.mount_source_fds.front() == -1
                                            ? 5
                                            : options.mount_source_fds.front();
    }
  }
  for (ReplyProtocol protocol : {ReplyProtocol::kNative, ReplyProtocol::kRunc11,
                                 ReplyProtocol::kRunc12}) {
    for (FinishMode finish : {FinishMode::kReturn, FinishMode::kExec}) {
      options.protocol = protocol;
      options.finish = finish;
      auto plan = ops.make_plan(request, options);
      if (!plan.ok()) {
        // Failing cleanly: a bad request, a feature not provided, or one
        // whose precondition the embedder has not met (seal_exe).
        const StatusCode code = plan.status().code();
        NSBOOT_FUZZ_CHECK_MSG(code == StatusCode::kInvalidArgument ||
                                  code == StatusCode::kUnimplemented ||
                                  code == StatusCode::kFailedPrecondition,
                              "%s", plan.status().ToString().c_str());
        NSBOOT_FUZZ_CHECK(!plan.status().message().empty());
        continue;
      }
      CheckPlanMatchesRequest(request, options, *plan);
      // Pure: the same request and options give the same plan.
      auto again = ops.make_plan(request, options);
      NSBOOT_FUZZ_CHECK(again.ok());
      const std::string text = executor::FormatPlan(*plan);
      NSBOOT_FUZZ_CHECK(text == executor::FormatPlan(*again));
      (void)validated;
    }
  }
}

// ---------------------------------------------------------------------------
// differential
// ---------------------------------------------------------------------------

namespace {

constexpr char kExceptionsText[] =
#include "fuzz/differential_exceptions.inc"
    ;

constexpr absl::string_view kKnownRejects[] = {
    "join_by_pid",           "join_by_pidfd",
    "comma_in_join_path",    "options",
    "mount_sources_in_runc12", "time_offsets_in_runc11",
    "bytemsg_over_65535",
};
constexpr absl::string_view kKnownNormalizations[] = {
    "schema_version",          "create_namespaces_order",
    "rootless_euid_unset",     "netlink_layout",
};

template <size_t N>
bool Known(const absl::string_view (&known)[N], absl::string_view id) {
  return std::find(std::begin(known), std::end(known), id) != std::end(known);
}

bool Contains(const std::vector<std::string>& list, absl::string_view id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

// Length of the Bytemsg text of each netlink text attribute for `request`.
std::vector<size_t> TextAttributeSizes(const v1::BootstrapRequest& request,
                                       RuncDialect dialect) {
  std::vector<size_t> sizes;
  size_t paths = 0;
  for (int i = 0; i < request.join_namespaces_size(); ++i) {
    const v1::NamespaceJoin& join = request.join_namespaces(i);
    paths += (i > 0 ? 1 : 0) +
             std::strlen(executor::NamespaceName(join.type())) + 1 +
             join.path().size();
  }
  sizes.push_back(paths);
  sizes.push_back(MapText(request.uid_mappings()).size());
  sizes.push_back(MapText(request.gid_mappings()).size());
  sizes.push_back(request.uidmap_helper().size());
  sizes.push_back(request.gidmap_helper().size());
  size_t last = 0;
  if (dialect == RuncDialect::kRunc11) {
    for (const std::string& s : request.mount_sources()) last += s.size() + 1;
  } else {
    for (const v1::TimeOffset& o : request.time_offsets()) {
      last += StrCat(o.clock() == v1::TIME_CLOCK_MONOTONIC ? "monotonic"
                                                           : "boottime",
                     " ", o.seconds(), " ", o.nanoseconds(), "\n")
                  .size();
    }
  }
  sizes.push_back(last);
  return sizes;
}

// The request as a netlink round trip represents it, per the listed
// normalizations.
v1::BootstrapRequest Normalize(const DifferentialExceptions& exceptions,
                               v1::BootstrapRequest request) {
  // Version 2 differs from 1 only by a field in options, which netlink
  // refuses: a version 2 request netlink carries means what version 1 does.
  if (exceptions.Normalizes("schema_version") &&
      (request.schema_version() == 1 || request.schema_version() == 2)) {
    request.set_schema_version(0);
  }
  if (exceptions.Normalizes("create_namespaces_order")) {
    auto* creates = request.mutable_create_namespaces();
    std::sort(creates->begin(), creates->end());
  }
  if (exceptions.Normalizes("rootless_euid_unset") &&
      !request.has_rootless_euid()) {
    request.set_rootless_euid(false);
  }
  if (exceptions.Normalizes("netlink_layout")) {
    const v1::NetlinkLayout& layout = request.netlink_layout();
    const uint32_t flags = layout.has_flags() ? layout.flags() : 1;
    const uint32_t sequence = layout.has_sequence() ? layout.sequence() : 1;
    const uint32_t port = layout.has_port() ? layout.port() : 0;
    request.clear_netlink_layout();
    if (flags != 1) request.mutable_netlink_layout()->set_flags(flags);
    if (sequence != 1) request.mutable_netlink_layout()->set_sequence(sequence);
    if (port != 0) request.mutable_netlink_layout()->set_port(port);
  }
  return request;
}

// Direction netlink -> request -> frame -> request -> netlink.
void NetlinkFirst(const CodecOps& ops, RuncDialect dialect,
                  absl::string_view bytes) {
  auto request = ops.decode_netlink(bytes, dialect);
  if (!request.ok()) return;
  auto frame = ops.encode_frame(*request);
  NSBOOT_FUZZ_CHECK_MSG(frame.ok(), "%s", frame.status().ToString().c_str());
  auto via_frame = ops.decode_frame(*frame);
  NSBOOT_FUZZ_CHECK_MSG(via_frame.ok(), "%s",
                        via_frame.status().ToString().c_str());
  NSBOOT_FUZZ_CHECK_MSG(Same(*request, *via_frame), "%s\nvs\n%s",
                        Text(*request).c_str(), Text(*via_frame).c_str());
  auto netlink = ops.encode_netlink(*via_frame, dialect);
  NSBOOT_FUZZ_CHECK_MSG(netlink.ok(), "%s",
                        netlink.status().ToString().c_str());
  NSBOOT_FUZZ_CHECK(*netlink == bytes);
}

// Direction request -> {frame, netlink} -> request.
void RequestFirst(const CodecOps& ops,
                  const DifferentialExceptions& exceptions,
                  RuncDialect dialect, const v1::BootstrapRequest& request) {
  auto frame = ops.encode_frame(request);
  auto netlink = ops.encode_netlink(request, dialect);
  const std::vector<std::string> rules = NetlinkRejections(request, dialect);
  bool excepted = false;
  for (const std::string& rule : rules) excepted |= exceptions.Rejects(rule);

  if (!frame.ok()) {
    // Both refuse, with the same code.
    NSBOOT_FUZZ_CHECK_MSG(!netlink.ok(), "frame refuses (%s), netlink "
                          "accepts", frame.status().ToString().c_str());
    NSBOOT_FUZZ_CHECK_MSG(frame.status().code() == netlink.status().code(),
                          "frame: %s\nnetlink: %s",
                          frame.status().ToString().c_str(),
                          netlink.status().ToString().c_str());
    return;
  }
  auto from_frame = ops.decode_frame(*frame);
  NSBOOT_FUZZ_CHECK_MSG(from_frame.ok(), "%s",
                        from_frame.status().ToString().c_str());
  NSBOOT_FUZZ_CHECK_MSG(Same(request, *from_frame), "%s\nvs\n%s",
                        Text(request).c_str(), Text(*from_frame).c_str());
  if (!netlink.ok()) {
    // Only a documented exception lets netlink refuse what a frame carries.
    NSBOOT_FUZZ_CHECK_MSG(excepted, "netlink refuses a request the frame "
                          "carries, no listed exception applies: %s\n%s",
                          netlink.status().ToString().c_str(),
                          Text(request).c_str());
    NSBOOT_FUZZ_CHECK(netlink.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  NSBOOT_FUZZ_CHECK_MSG(rules.empty(), "netlink accepts a request under "
                        "exception %s", rules[0].c_str());
  auto from_netlink = ops.decode_netlink(*netlink, dialect);
  NSBOOT_FUZZ_CHECK_MSG(from_netlink.ok(), "%s",
                        from_netlink.status().ToString().c_str());
  const v1::BootstrapRequest a = Normalize(exceptions, request);
  const v1::BootstrapRequest b = Normalize(exceptions, *from_netlink);
  NSBOOT_FUZZ_CHECK_MSG(Same(a, b), "sent %s\ngot  %s", Text(a).c_str(),
                        Text(b).c_str());
  // And the netlink-decoded request travels on as a frame unchanged.
  auto reframed = ops.encode_frame(*from_netlink);
  NSBOOT_FUZZ_CHECK(reframed.ok());
  auto back = ops.decode_frame(*reframed);
  NSBOOT_FUZZ_CHECK(back.ok() && Same(*back, *from_netlink));
}

}  // namespace

bool DifferentialExceptions::Rejects(absl::string_view id) const {
  return Contains(rejects, id);
}

bool DifferentialExceptions::Normalizes(absl::string_view id) const {
  return Contains(normalizations, id);
}

DifferentialExceptions ParseDifferentialExceptions(absl::string_view text) {
  DifferentialExceptions out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    NSBOOT_FUZZ_CHECK_MSG(words.size() >= 2, "bad exception line: %.*s",
                          static_cast<int>(line.size()), line.data());
    const std::string id(words[1]);
    if (words[0] == "reject") {
      NSBOOT_FUZZ_CHECK_MSG(Known(kKnownRejects, id), "unknown reject %s",
                            id.c_str());
      out.rejects.push_back(id);
    } else if (words[0] == "normalize") {
      NSBOOT_FUZZ_CHECK_MSG(Known(kKnownNormalizations, id),
                            "unknown normalization %s", id.c_str());
      out.normalizations.push_back(id);
    } else {
      NSBOOT_FUZZ_CHECK_MSG(false, "bad exception kind: %.*s",
                            static_cast<int>(line.size()), line.data());
    }
  }
  return out;
}

const DifferentialExceptions& CheckedInExceptions() {
  static const DifferentialExceptions* list =
      new DifferentialExceptions(ParseDifferentialExceptions(kExceptionsText));
  return *list;
}

std::vector<std::string> NetlinkRejections(const v1::BootstrapRequest& request,
                                           RuncDialect dialect) {
  std::vector<std::string> rules;
  for (const v1::NamespaceJoin& join : request.join_namespaces()) {
    if (join.target_case() == v1::NamespaceJoin::kPid &&
        !Contains(rules, "join_by_pid")) {
      rules.push_back("join_by_pid");
    }
    if (join.target_case() == v1::NamespaceJoin::kPidfd &&
        !Contains(rules, "join_by_pidfd")) {
      rules.push_back("join_by_pidfd");
    }
    if (join.target_case() == v1::NamespaceJoin::kPath &&
        join.path().find(',') != std::string::npos &&
        !Contains(rules, "comma_in_join_path")) {
      rules.push_back("comma_in_join_path");
    }
  }
  if (request.has_options()) rules.push_back("options");
  if (dialect == RuncDialect::kRunc12 && request.mount_sources_size() > 0) {
    rules.push_back("mount_sources_in_runc12");
  }
  if (dialect == RuncDialect::kRunc11 && request.time_offsets_size() > 0) {
    rules.push_back("time_offsets_in_runc11");
  }
  for (size_t text : TextAttributeSizes(request, dialect)) {
    // nla_len = 4-byte header + text + NUL.
    if (text > 0 && 4 + text + 1 > codec::kMaxNetlinkAttributeSize) {
      rules.push_back("bytemsg_over_65535");
      break;
    }
  }
  return rules;
}

void CheckDifferentialWith(const CodecOps& ops,
                           const DifferentialExceptions& exceptions,
                           const uint8_t* data, size_t size) {
  if (size < 1) return;
  const RuncDialect dialect = DialectOf(data[0]);
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  if (!IsFrame(body)) {
    NetlinkFirst(ops, dialect, body);
    return;
  }
  v1::BootstrapRequest request;
  if (!ParseLenient(body, &request)) return;
  RequestFirst(ops, exceptions, dialect, request);
}

void CheckDifferential(const CodecOps& ops, const uint8_t* data, size_t size) {
  CheckDifferentialWith(ops, CheckedInExceptions(), data, size);
}

}  // namespace fuzz
}  // namespace nsboot
