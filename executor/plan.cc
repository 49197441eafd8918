#include "executor/plan.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"

namespace nsboot {
namespace executor {
namespace {

// CLONE_NEW* values, spelled out so that the plan needs no Linux headers.
constexpr uint32_t kCloneNewTime = 0x00000080;
constexpr uint32_t kCloneNewNs = 0x00020000;
constexpr uint32_t kCloneNewCgroup = 0x02000000;
constexpr uint32_t kCloneNewUts = 0x04000000;
constexpr uint32_t kCloneNewIpc = 0x08000000;
constexpr uint32_t kCloneNewUser = 0x10000000;
constexpr uint32_t kCloneNewPid = 0x20000000;
constexpr uint32_t kCloneNewNet = 0x40000000;

constexpr int kSigKill = 9;
constexpr int kMaxSignal = 64;  // SIGRTMAX on Linux
constexpr int kMaxMapLines = 340;
constexpr int kMaxProcessName = 15;  // TASK_COMM_LEN - 1

Status Invalid(absl::string_view field, absl::string_view why) {
  return InvalidArgumentError(StrCat(field, ": ", why));
}

bool ValidNamespace(v1::Namespace type) {
  return type >= v1::NAMESPACE_MOUNT && type <= v1::NAMESPACE_TIME;
}

std::string QuoteBytes(absl::string_view bytes) {
  return StrCat("\"", CEscape(bytes), "\"");
}

// Checks one id map and renders it as /proc/PID/{uid,gid}_map text and as
// newuidmap/newgidmap arguments.
Status RenderMap(absl::string_view field,
                 const std::vector<v1::plain::IdMapping>& mappings,
                 std::string* text, std::vector<std::string>* helper_args,
                 bool* maps_zero) {
  if (mappings.size() > size_t{kMaxMapLines}) {
    return Invalid(field,
                   StrCat(mappings.size(), " lines, the kernel takes at most ",
                          kMaxMapLines));
  }
  *maps_zero = false;
  for (size_t i = 0; i < mappings.size(); ++i) {
    const v1::plain::IdMapping& m = mappings[i];
    const std::string name = StrCat(field, "[", i, "]");
    if (m.size == 0) return Invalid(name, "size is 0");
    if (uint64_t{m.container_id} + m.size > (uint64_t{1} << 32)) {
      return Invalid(name, "container_id + size wraps past 2^32");
    }
    if (uint64_t{m.host_id} + m.size > (uint64_t{1} << 32)) {
      return Invalid(name, "host_id + size wraps past 2^32");
    }
    if (m.container_id == 0) *maps_zero = true;
    StrAppend(text, m.container_id, " ", m.host_id, " ", m.size, "\n");
    helper_args->push_back(StrCat(m.container_id));
    helper_args->push_back(StrCat(m.host_id));
    helper_args->push_back(StrCat(m.size));
  }
  return OkStatus();
}

Status CheckHelper(absl::string_view field, absl::string_view helper,
                   size_t mappings, absl::string_view mappings_field) {
  if (helper.empty()) return OkStatus();
  if (mappings == 0) {
    return Invalid(field, StrCat("set, but ", mappings_field,
                                 " is empty: there is no map to write"));
  }
  if (helper.front() != '/') return Invalid(field, "not an absolute path");
  if (FindChar(helper, '\0') != absl::string_view::npos) {
    return Invalid(field, "contains a NUL byte");
  }
  return OkStatus();
}

// Everything MakePlan derives from the request before laying out steps.
struct Facts {
  uint32_t create_flags = 0;
  std::vector<JoinTarget> targets;
  int user_target = -1;  // index into targets, or -1
  bool join_pid = false;
  bool join_time = false;
  std::string uid_map, gid_map;
  std::vector<std::string> uid_args, gid_args;
  bool uid_zero = false, gid_zero = false;
  bool deny_setgroups = false;
  bool drop_groups = false;
  std::string time_offsets;
  bool mount_sources = false;  // at least one non-empty source
  int intermediate_signal = kSigKill;
  int final_signal = 0;
};

Status CheckNamespaces(const v1::plain::BootstrapRequest& request,
                       const PlanOptions& options, Facts* facts) {
  for (size_t i = 0; i < request.create_namespaces.size(); ++i) {
    const std::string field = StrCat("create_namespaces[", i, "]");
    const v1::Namespace type = request.create_namespaces[i];
    if (!ValidNamespace(type)) {
      return Invalid(field,
                     StrCat("unknown namespace ", static_cast<int>(type)));
    }
    const uint32_t flag = NamespaceCloneFlag(type);
    if (facts->create_flags & flag) {
      return Invalid(field, StrCat(NamespaceName(type), " is listed twice"));
    }
    if (type == v1::NAMESPACE_TIME && options.protocol == ReplyProtocol::kRunc11) {
      return Invalid(field, "runc 1.1 has no time namespace");
    }
    facts->create_flags |= flag;
  }

  uint32_t joined = 0;
  for (size_t i = 0; i < request.join_namespaces.size(); ++i) {
    const std::string field = StrCat("join_namespaces[", i, "]");
    const v1::plain::NamespaceJoin& join = request.join_namespaces[i];
    const v1::Namespace type = join.type;
    if (!ValidNamespace(type)) {
      return Invalid(field + ".type",
                     StrCat("unknown namespace ", static_cast<int>(type)));
    }
    const uint32_t flag = NamespaceCloneFlag(type);
    if (joined & flag) {
      return Invalid(field, StrCat(NamespaceName(type), " is joined twice"));
    }
    if (facts->create_flags & flag) {
      return Invalid(field, StrCat("creating and joining the same type (",
                                   NamespaceName(type), ")"));
    }
    if (type == v1::NAMESPACE_TIME && options.protocol == ReplyProtocol::kRunc11) {
      return Invalid(field, "runc 1.1 has no time namespace");
    }
    joined |= flag;

    JoinTarget* target = nullptr;
    switch (join.target) {
      case v1::plain::NamespaceJoin::Target::kPath: {
        const std::string& path = join.path;
        if (path.empty() || path.front() != '/') {
          return Invalid(field + ".path", "not an absolute path");
        }
        if (path.find('\0') != std::string::npos) {
          return Invalid(field + ".path", "contains a NUL byte");
        }
        facts->targets.emplace_back();
        target = &facts->targets.back();
        target->kind = JoinTarget::Kind::kPath;
        target->path = path;
        break;
      }
      case v1::plain::NamespaceJoin::Target::kPid:
      case v1::plain::NamespaceJoin::Target::kPidfd: {
        const bool by_pid =
            join.target == v1::plain::NamespaceJoin::Target::kPid;
        const int32_t value = by_pid ? join.pid : join.pidfd;
        if (by_pid && value <= 0) {
          return Invalid(field + ".pid", "not a pid");
        }
        if (!by_pid && value < 0) {
          return Invalid(field + ".pidfd", "not a file descriptor");
        }
        const JoinTarget::Kind kind =
            by_pid ? JoinTarget::Kind::kPid : JoinTarget::Kind::kPidfd;
        for (JoinTarget& t : facts->targets) {
          if (t.kind == kind && (by_pid ? t.pid : t.fd) == value) {
            target = &t;
            break;
          }
        }
        if (target == nullptr) {
          facts->targets.emplace_back();
          target = &facts->targets.back();
          target->kind = kind;
          if (by_pid) {
            target->pid = value;
          } else {
            target->fd = value;
          }
        }
        break;
      }
      case v1::plain::NamespaceJoin::Target::kNone:
        return Invalid(field, "no path, pid or pidfd");
    }
    if (target == nullptr) {
      return Invalid(
          field, StrCat("unknown target kind ", static_cast<int>(join.target)));
    }
    target->types.push_back(type);
    target->clone_flags |= flag;
  }
  for (size_t i = 0; i < facts->targets.size(); ++i) {
    if (facts->targets[i].clone_flags & kCloneNewUser) {
      facts->user_target = static_cast<int>(i);
    }
  }
  facts->join_pid = joined & kCloneNewPid;
  facts->join_time = joined & kCloneNewTime;
  return OkStatus();
}

Status CheckUser(const v1::plain::BootstrapRequest& request,
                 const PlanOptions& options, Facts* facts) {
  const bool create_user = facts->create_flags & kCloneNewUser;
  const char* why_not =
      facts->user_target >= 0
          ? "set, but the user namespace is joined, not created (its maps "
            "are already written)"
          : "set, but NAMESPACE_USER is not in create_namespaces";
  if (!create_user) {
    if (!request.uid_mappings.empty()) return Invalid("uid_mappings", why_not);
    if (!request.gid_mappings.empty()) return Invalid("gid_mappings", why_not);
    if (request.setgroups != v1::SETGROUPS_UNSPECIFIED) {
      return Invalid("setgroups", "only applies to a new user namespace");
    }
  }
  NSBOOT_RETURN_IF_ERROR(RenderMap("uid_mappings", request.uid_mappings,
                                   &facts->uid_map, &facts->uid_args,
                                   &facts->uid_zero));
  NSBOOT_RETURN_IF_ERROR(RenderMap("gid_mappings", request.gid_mappings,
                                   &facts->gid_map, &facts->gid_args,
                                   &facts->gid_zero));
  NSBOOT_RETURN_IF_ERROR(CheckHelper("uidmap_helper", request.uidmap_helper,
                                     request.uid_mappings.size(),
                                     "uid_mappings"));
  NSBOOT_RETURN_IF_ERROR(CheckHelper("gidmap_helper", request.gidmap_helper,
                                     request.gid_mappings.size(),
                                     "gid_mappings"));
  // Absent reads as false, as the generated accessor.
  const bool rootless_euid = request.rootless_euid.value_or(false);
  switch (request.setgroups) {
    case v1::SETGROUPS_UNSPECIFIED:
      facts->deny_setgroups = create_user && rootless_euid;
      break;
    case v1::SETGROUPS_ALLOW:
      facts->drop_groups = !rootless_euid;
      break;
    case v1::SETGROUPS_DENY:
      facts->deny_setgroups = true;
      break;
    default:
      return Invalid("setgroups", StrCat("unknown policy ",
                                         static_cast<int>(request.setgroups)));
  }
  if (create_user && options.protocol != ReplyProtocol::kNative) {
    // runc's stage 2 always does setuid(0) and setgid(0); runc's config
    // validation requires a root mapping for a user namespace.
    if (!facts->uid_zero) {
      return Invalid("uid_mappings",
                     "the runc protocols need container uid 0 mapped in a new "
                     "user namespace");
    }
    if (!facts->gid_zero) {
      return Invalid("gid_mappings",
                     "the runc protocols need container gid 0 mapped in a new "
                     "user namespace");
    }
  }
  return OkStatus();
}

Status CheckTime(const v1::plain::BootstrapRequest& request,
                 const PlanOptions& options, Facts* facts) {
  if (request.time_offsets.empty()) return OkStatus();
  if (options.protocol == ReplyProtocol::kRunc11) {
    return Invalid("time_offsets",
                   "not part of the runc 1.1 protocol (its attribute 27290 is "
                   "MOUNT_SOURCES)");
  }
  if (facts->join_time) {
    return Invalid("time_offsets",
                   "set while joining a time namespace: the offsets of an "
                   "existing time namespace cannot change");
  }
  if (!(facts->create_flags & kCloneNewTime)) {
    return Invalid("time_offsets",
                   "set, but NAMESPACE_TIME is not in create_namespaces");
  }
  bool seen[3] = {false, false, false};
  for (size_t i = 0; i < request.time_offsets.size(); ++i) {
    const std::string field = StrCat("time_offsets[", i, "]");
    const v1::plain::TimeOffset& offset = request.time_offsets[i];
    const char* clock = nullptr;
    switch (offset.clock) {
      case v1::TIME_CLOCK_MONOTONIC:
        clock = "monotonic";
        break;
      case v1::TIME_CLOCK_BOOTTIME:
        clock = "boottime";
        break;
      default:
        return Invalid(
            field + ".clock",
            StrCat("unknown clock ", static_cast<int>(offset.clock)));
    }
    if (seen[offset.clock]) {
      return Invalid(field + ".clock", StrCat(clock, " is set twice"));
    }
    seen[offset.clock] = true;
    if (offset.nanoseconds < 0 || offset.nanoseconds >= 1000000000) {
      return Invalid(field + ".nanoseconds", "not in [0, 999999999]");
    }
    StrAppend(&facts->time_offsets, clock, " ", offset.seconds, " ",
              offset.nanoseconds, "\n");
  }
  return OkStatus();
}

Status CheckMountSources(const v1::plain::BootstrapRequest& request,
                         const PlanOptions& options, Facts* facts) {
  if (request.mount_sources.empty()) {
    if (!options.mount_source_fds.empty()) {
      return Invalid("PlanOptions.mount_source_fds",
                     "set, but the request has no mount_sources");
    }
    return OkStatus();
  }
  if (options.protocol != ReplyProtocol::kRunc11) {
    return Invalid("mount_sources",
                   "only part of the runc 1.1 protocol (runc 1.2+ opens mount "
                   "sources in the parent)");
  }
  if (options.mount_source_fds.size() != request.mount_sources.size()) {
    return Invalid("mount_sources",
                   StrCat(request.mount_sources.size(),
                          " entries, but PlanOptions.mount_source_fds "
                          "(_LIBCONTAINER_MOUNT_FDS) has ",
                          options.mount_source_fds.size()));
  }
  for (size_t i = 0; i < request.mount_sources.size(); ++i) {
    const std::string field = StrCat("mount_sources[", i, "]");
    const std::string& source = request.mount_sources[i];
    const int fd = options.mount_source_fds[i];
    if (source.empty()) {
      if (fd != -1) {
        return Invalid(field, StrCat("empty, but mount_source_fds[", i, "] is ",
                                     fd, ", not -1"));
      }
      continue;
    }
    if (source.find('\0') != std::string::npos) {
      return Invalid(field, "contains a NUL byte");
    }
    if (fd < 0) {
      return Invalid(field,
                     StrCat("set, but mount_source_fds[", i, "] is ", fd));
    }
    for (size_t j = 0; j < i; ++j) {
      if (options.mount_source_fds[j] == fd) {
        return Invalid(field,
                       StrCat("mount_source_fds[", i, "] repeats fd ", fd));
      }
    }
    facts->mount_sources = true;
  }
  if (facts->mount_sources && !(facts->create_flags & kCloneNewNs)) {
    return Invalid("mount_sources",
                   "set, but NAMESPACE_MOUNT is not in create_namespaces");
  }
  return OkStatus();
}

Status CheckOptions(const v1::plain::BootstrapRequest& request,
                    const PlanOptions& options, Facts* facts,
                    v1::LogLevel* log_level) {
  const v1::plain::Options& o = request.options_or_default();
  if (o.seal_exe && !options.exe_sealed) {
    return FailedPreconditionError(
        "options.seal_exe: the process does not run from a sealed copy of its "
        "binary (a native parent sets NSBOOT_SEAL_EXE=1, or seals it itself "
        "as runc 1.2+ does)");
  }
  if (o.parent_death_signal < 0 || o.parent_death_signal > kMaxSignal) {
    return Invalid("options.parent_death_signal",
                   StrCat(o.parent_death_signal, " is not a signal"));
  }
  if (o.parent_death_signal != 0) {
    facts->intermediate_signal = o.parent_death_signal;
    facts->final_signal = o.parent_death_signal;
  }
  if (o.log_level == v1::LOG_LEVEL_UNSPECIFIED) {
    *log_level = options.default_log_level;
  } else if (o.log_level >= v1::LOG_LEVEL_PANIC &&
             o.log_level <= v1::LOG_LEVEL_TRACE) {
    *log_level = o.log_level;
  } else {
    return Invalid("options.log_level",
                   StrCat("unknown level ", static_cast<int>(o.log_level)));
  }
  if (o.reply_pidfds && options.protocol != ReplyProtocol::kNative) {
    return Invalid("options.reply_pidfds",
                   "the runc protocols cannot carry pidfds");
  }
  // As codec::ValidateRequest, for a request that did not come through a
  // decoder: a version 1 request was written for children without the field.
  if (o.skip_namespace_ids && request.schema_version < 2) {
    return Invalid("options.skip_namespace_ids",
                   "a schema_version 2 field in a version 1 request");
  }
  if (request.oom_score_adj.has_value() &&
      (*request.oom_score_adj < -1000 || *request.oom_score_adj > 1000)) {
    return Invalid("oom_score_adj",
                   StrCat(*request.oom_score_adj, " is not in [-1000, 1000]"));
  }
  for (size_t i = 0; i < options.process_names.size(); ++i) {
    const std::string& name = options.process_names[i];
    if (name.empty() || name.size() > kMaxProcessName ||
        name.find('\0') != std::string::npos) {
      return Invalid(
          StrCat("PlanOptions.process_names[", i, "]"),
          StrCat("must be 1 to ", kMaxProcessName, " bytes without NUL"));
    }
  }
  return OkStatus();
}

PlanStep MakeStep(StepKind kind, v1::Step error_step) {
  PlanStep step;
  step.kind = kind;
  step.error_step = error_step;
  return step;
}

PlanStep SyncStep(StepKind kind, SyncPoint sync) {
  PlanStep step = MakeStep(kind, v1::STEP_SYNC);
  step.sync = sync;
  return step;
}

PlanStep ValueStep(StepKind kind, v1::Step error_step, int64_t value) {
  PlanStep step = MakeStep(kind, error_step);
  step.value = value;
  return step;
}

PlanStep TextStep(StepKind kind, v1::Step error_step, std::string text) {
  PlanStep step = MakeStep(kind, error_step);
  step.text = std::move(text);
  return step;
}

PlanStep BecomeRoot(bool uid, bool gid) {
  PlanStep step = MakeStep(StepKind::kBecomeRoot, v1::STEP_SET_IDS);
  step.uid = uid;
  step.gid = gid;
  return step;
}

// The two-process plan: stage 0 joins, clones the final process into every
// new namespace at once (but a runc 1.1 cgroup namespace, `init_unshare`),
// writes its maps from outside, releases it. The runc protocols get a
// placeholder for the stage-1 pid their parent reaps.
void MakeTwoProcessStages(const v1::plain::BootstrapRequest& request,
                          const PlanOptions& options, const Facts& facts,
                          bool user_maps, uint32_t init_unshare, Plan* plan) {
  const bool runc = options.protocol != ReplyProtocol::kNative;
  const bool joins = !facts.targets.empty();
  const bool create_user = facts.create_flags & kCloneNewUser;
  plan->processes = 2;
  plan->init_reason =
      joins ? "stage 0 joins, then clones the final process into every new "
              "namespace (no time namespace created, no user namespace "
              "joined)"
            : "stage 0 clones the final process into every new namespace (no "
              "time namespace created)";
  if (runc) {
    StrAppend(&plan->init_reason,
              "; stage1_pid is a placeholder process that exits at once");
  }

  StagePlan& parent = plan->stages[0];
  parent.stage = v1::STAGE_PARENT;
  parent.name = options.process_names[0];
  std::vector<PlanStep>& p = parent.steps;
  p.push_back(TextStep(StepKind::kSetName, v1::STEP_CLONE, parent.name));
  p.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                        facts.intermediate_signal));
  if (options.protocol != ReplyProtocol::kRunc12) {
    p.push_back(MakeStep(StepKind::kReplyReady, v1::STEP_REPLY));
  }
  if (request.oom_score_adj.has_value()) {
    p.push_back(TextStep(StepKind::kWriteOomScoreAdj, v1::STEP_OOM_SCORE_ADJ,
                         StrCat(*request.oom_score_adj)));
  }
  if (runc) {
    // Before the joins, as runc's stage 1 is: a child of the caller's pid
    // namespace, never seen in a joined one (and a pid one level deep).
    // Sharing stage 0's memory, it costs no page-table copy; but setns to a
    // time namespace fails (EUSERS) while another process shares the
    // caller's memory, and the placeholder may not have run yet: then a
    // copy.
    p.push_back(ValueStep(StepKind::kClonePlaceholder, v1::STEP_CLONE,
                          facts.join_time ? 0 : 1));
  }
  if (joins) {
    // No user namespace is joined here (MakePlan keeps three processes
    // then), so no ordering or EPERM deferral is needed.
    p.push_back(ValueStep(StepKind::kSetDumpable, v1::STEP_SET_DUMPABLE, 0));
    p.push_back(MakeStep(StepKind::kOpenNamespaces, v1::STEP_OPEN_NAMESPACE));
    for (size_t i = 0; i < facts.targets.size(); ++i) {
      p.push_back(ValueStep(StepKind::kJoin, v1::STEP_SETNS, i));
    }
    p.push_back(MakeStep(StepKind::kCloseNamespaces, v1::STEP_OPEN_NAMESPACE));
  }
  p.push_back(ValueStep(StepKind::kCloneFinal, v1::STEP_CLONE,
                        facts.create_flags & ~init_unshare));
  if (user_maps) {
    // The final process is already in its user namespace and waits for
    // kRelease: no request is needed.
    if (facts.deny_setgroups) {
      p.push_back(TextStep(StepKind::kWriteSetgroups, v1::STEP_SETGROUPS,
                           "deny"));
    }
    if (!facts.uid_map.empty()) {
      PlanStep step =
          TextStep(StepKind::kWriteUidMap, v1::STEP_UID_MAP, facts.uid_map);
      step.helper = request.uidmap_helper;
      step.helper_args = facts.uid_args;
      p.push_back(std::move(step));
    }
    if (!facts.gid_map.empty()) {
      PlanStep step =
          TextStep(StepKind::kWriteGidMap, v1::STEP_GID_MAP, facts.gid_map);
      step.helper = request.gidmap_helper;
      step.helper_args = facts.gid_args;
      p.push_back(std::move(step));
    }
  }
  p.push_back(MakeStep(StepKind::kReplyPids, v1::STEP_REPLY));
  p.push_back(SyncStep(StepKind::kReleaseInit, SyncPoint::kRelease));
  {
    PlanStep step = SyncStep(StepKind::kAwaitInit, SyncPoint::kInitFinish);
    if (options.finish == FinishMode::kExec) step.error_step = v1::STEP_EXEC;
    p.push_back(std::move(step));
  }
  p.push_back(MakeStep(StepKind::kParentDone, v1::STEP_SYNC));

  // As stage 2 of the three-process plan, in the same order.
  StagePlan& init = plan->stages[2];
  init.stage = v1::STAGE_INIT;
  init.name = options.process_names[2];
  std::vector<PlanStep>& f = init.steps;
  f.push_back(TextStep(StepKind::kSetName, v1::STEP_CLONE, init.name));
  // What the final process does to itself and needs nothing of stage 0 for
  // goes before the release, in parallel with stage 0's replies; in a new
  // user namespace the ids wait for the maps stage 0 writes after the clone.
  if (runc || options.new_session) {
    f.push_back(MakeStep(StepKind::kSetsid, v1::STEP_SET_IDS));
  }
  std::vector<PlanStep> ids;
  if (runc) {
    ids.push_back(BecomeRoot(true, true));
  } else if (create_user && (facts.uid_zero || facts.gid_zero)) {
    ids.push_back(BecomeRoot(facts.uid_zero, facts.gid_zero));
  }
  if (facts.drop_groups) {
    ids.push_back(MakeStep(StepKind::kDropGroups, v1::STEP_SETGROUPS));
  }
  if (create_user) {
    f.push_back(SyncStep(StepKind::kAwaitRelease, SyncPoint::kRelease));
  }
  for (PlanStep& step : ids) f.push_back(std::move(step));
  if (!create_user) {
    f.push_back(SyncStep(StepKind::kAwaitRelease, SyncPoint::kRelease));
  }
  if (init_unshare != 0) {
    f.push_back(ValueStep(StepKind::kUnshare, v1::STEP_UNSHARE, init_unshare));
  }
  if (facts.final_signal != 0) {
    f.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                          facts.final_signal));
  }
  if (options.finish == FinishMode::kExec) {
    f.push_back(MakeStep(StepKind::kFinishExec, v1::STEP_EXEC));
  } else {
    f.push_back(SyncStep(StepKind::kFinishReturn, SyncPoint::kInitFinish));
  }
}

}  // namespace

StatusOr<Plan> MakePlan(const v1::plain::BootstrapRequest& request,
                        const PlanOptions& options) {
  Plan plan;
  const uint32_t version =
      request.schema_version == 0 ? 1 : request.schema_version;
  bool supported = false;
  for (uint32_t v : kSupportedSchemaVersions) supported |= v == version;
  if (!supported) {
    return Invalid("schema_version",
                   StrCat(version, " is not supported (supported: ",
                          StrJoin(kSupportedSchemaVersions, ", "), ")"));
  }
  plan.schema_version = version;
  plan.protocol = options.protocol;
  plan.finish = options.finish;

  Facts facts;
  NSBOOT_RETURN_IF_ERROR(CheckNamespaces(request, options, &facts));
  NSBOOT_RETURN_IF_ERROR(CheckUser(request, options, &facts));
  NSBOOT_RETURN_IF_ERROR(CheckTime(request, options, &facts));
  NSBOOT_RETURN_IF_ERROR(CheckMountSources(request, options, &facts));
  NSBOOT_RETURN_IF_ERROR(
      CheckOptions(request, options, &facts, &plan.log_level));

  plan.reply_pidfds = request.options_or_default().reply_pidfds;
  plan.reply_namespace_ids =
      options.protocol == ReplyProtocol::kNative &&
      !request.options_or_default().skip_namespace_ids;
  plan.create_flags = facts.create_flags;
  plan.join_targets = facts.targets;
  if (facts.mount_sources) {
    plan.mount_sources = request.mount_sources;
    plan.mount_source_fds = options.mount_source_fds;
  }

  const bool runc = options.protocol != ReplyProtocol::kNative;
  const bool joins = !facts.targets.empty();
  const bool create_user = facts.create_flags & kCloneNewUser;
  const bool uid_map = !facts.uid_map.empty();
  const bool gid_map = !facts.gid_map.empty();
  const bool user_maps = create_user &&
                         (uid_map || gid_map || facts.deny_setgroups);
  const bool time_offsets = !facts.time_offsets.empty();
  // runc 1.1 unshares the cgroup namespace in stage 2, after the parent has
  // moved the process into its cgroup.
  const uint32_t init_unshare =
      options.protocol == ReplyProtocol::kRunc11
          ? (facts.create_flags & kCloneNewCgroup)
          : 0;
  const uint32_t child_unshare =
      facts.create_flags & ~kCloneNewUser & ~init_unshare;

  // Two processes where they are equivalent to three.
  const char* three_why = nullptr;
  if (!options.two_processes) {
    three_why = "PlanOptions.two_processes is off";
  } else if (facts.create_flags & kCloneNewTime) {
    three_why = "a new time namespace gets its offsets before any process "
                "is inside it";
  } else if (facts.user_target >= 0) {
    three_why = "a joined user namespace: stage 0 stays privileged in the "
                "caller's user namespace to report the final namespaces";
  } else if (joins && user_maps) {
    three_why = "joins and maps of a new user namespace: the maps are "
                "written from the caller's namespaces, stage 1 dumpable";
  } else if (facts.mount_sources) {
    three_why = "mount sources: stage 0 opens them in stage 1's mount "
                "namespace, before stage 2 exists";
  }
  if (three_why == nullptr) {
    MakeTwoProcessStages(request, options, facts, user_maps, init_unshare,
                         &plan);
    return plan;
  }

  if (facts.create_flags & kCloneNewPid) {
    plan.init_reason = "new pid namespace: only children of stage 1 enter it";
  } else if (facts.join_pid) {
    plan.init_reason =
        "joined pid namespace: only children of stage 1 enter it";
  } else if (facts.create_flags & kCloneNewTime) {
    plan.init_reason = "new time namespace: only children of stage 1 enter it";
  } else {
    plan.init_reason = "not needed for a namespace";
  }
  StrAppend(&plan.init_reason, "; three: ", three_why);

  // Stage 0: PARENT.
  StagePlan& parent = plan.stages[0];
  parent.stage = v1::STAGE_PARENT;
  parent.name = options.process_names[0];
  std::vector<PlanStep>& p = parent.steps;
  p.push_back(TextStep(StepKind::kSetName, v1::STEP_CLONE, parent.name));
  p.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                        facts.intermediate_signal));
  if (options.protocol != ReplyProtocol::kRunc12) {
    p.push_back(MakeStep(StepKind::kReplyReady, v1::STEP_REPLY));
  }
  if (request.oom_score_adj.has_value()) {
    p.push_back(TextStep(StepKind::kWriteOomScoreAdj, v1::STEP_OOM_SCORE_ADJ,
                         StrCat(*request.oom_score_adj)));
  }
  if (joins) {
    p.push_back(ValueStep(StepKind::kSetDumpable, v1::STEP_SET_DUMPABLE, 0));
  }
  p.push_back(MakeStep(StepKind::kCloneChild, v1::STEP_CLONE));
  if (user_maps) {
    p.push_back(SyncStep(StepKind::kAwait, SyncPoint::kUserMaps));
    if (facts.deny_setgroups) {
      p.push_back(TextStep(StepKind::kWriteSetgroups, v1::STEP_SETGROUPS,
                           "deny"));
    }
    if (uid_map) {
      PlanStep step =
          TextStep(StepKind::kWriteUidMap, v1::STEP_UID_MAP, facts.uid_map);
      step.helper = request.uidmap_helper;
      step.helper_args = facts.uid_args;
      p.push_back(std::move(step));
    }
    if (gid_map) {
      PlanStep step =
          TextStep(StepKind::kWriteGidMap, v1::STEP_GID_MAP, facts.gid_map);
      step.helper = request.gidmap_helper;
      step.helper_args = facts.gid_args;
      p.push_back(std::move(step));
    }
    p.push_back(SyncStep(StepKind::kAck, SyncPoint::kUserMaps));
  }
  if (time_offsets) {
    p.push_back(SyncStep(StepKind::kAwait, SyncPoint::kTimeOffsets));
    p.push_back(TextStep(StepKind::kWriteTimeOffsets, v1::STEP_TIME_OFFSETS,
                         facts.time_offsets));
    p.push_back(SyncStep(StepKind::kAck, SyncPoint::kTimeOffsets));
  }
  if (facts.mount_sources) {
    p.push_back(SyncStep(StepKind::kAwait, SyncPoint::kMountSources));
    p.push_back(
        MakeStep(StepKind::kSendMountSources, v1::STEP_MOUNT_SOURCES));
    p.push_back(SyncStep(StepKind::kAck, SyncPoint::kMountSources));
  }
  p.push_back(SyncStep(StepKind::kAwait, SyncPoint::kInitPid));
  p.push_back(MakeStep(StepKind::kReplyPids, v1::STEP_REPLY));
  p.push_back(SyncStep(StepKind::kAck, SyncPoint::kInitPid));
  p.push_back(SyncStep(StepKind::kAwait, SyncPoint::kChildFinish));
  p.push_back(SyncStep(StepKind::kReleaseInit, SyncPoint::kRelease));
  {
    PlanStep step = SyncStep(StepKind::kAwaitInit, SyncPoint::kInitFinish);
    if (options.finish == FinishMode::kExec) step.error_step = v1::STEP_EXEC;
    p.push_back(std::move(step));
  }
  p.push_back(MakeStep(StepKind::kParentDone, v1::STEP_SYNC));

  // Stage 1: CHILD.
  StagePlan& child = plan.stages[1];
  child.stage = v1::STAGE_CHILD;
  child.name = options.process_names[1];
  std::vector<PlanStep>& c = child.steps;
  c.push_back(TextStep(StepKind::kSetName, v1::STEP_CLONE, child.name));
  c.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                        facts.intermediate_signal));
  if (joins) {
    c.push_back(MakeStep(StepKind::kOpenNamespaces, v1::STEP_OPEN_NAMESPACE));
    if (facts.user_target >= 0) {
      // As nsenter(1) and runc 1.3: join the others while still privileged in
      // the caller's user namespace, tolerating EPERM; then the user
      // namespace; then retry what failed with the new credentials.
      for (size_t i = 0; i < facts.targets.size(); ++i) {
        if (static_cast<int>(i) == facts.user_target) continue;
        PlanStep step = ValueStep(StepKind::kJoin, v1::STEP_SETNS, i);
        step.defer_eperm = true;
        c.push_back(std::move(step));
      }
      c.push_back(
          ValueStep(StepKind::kJoin, v1::STEP_SETNS, facts.user_target));
      if (options.protocol != ReplyProtocol::kRunc11) {
        c.push_back(BecomeRoot(true, true));
        c.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                              facts.intermediate_signal));
      }
      if (facts.targets.size() > 1) {
        c.push_back(MakeStep(StepKind::kJoinDeferred, v1::STEP_SETNS));
      }
    } else {
      for (size_t i = 0; i < facts.targets.size(); ++i) {
        c.push_back(ValueStep(StepKind::kJoin, v1::STEP_SETNS, i));
      }
    }
    c.push_back(MakeStep(StepKind::kCloseNamespaces, v1::STEP_OPEN_NAMESPACE));
  }
  if (create_user) {
    c.push_back(ValueStep(StepKind::kUnshare, v1::STEP_UNSHARE, kCloneNewUser));
  }
  // Stage 0 writes /proc/<stage1>/...: a non-dumpable stage 1 has those
  // files owned by the caller's root. runc re-enables dumpable for the maps.
  const bool dumpable_window = joins && (user_maps || time_offsets);
  if (dumpable_window) {
    c.push_back(ValueStep(StepKind::kSetDumpable, v1::STEP_SET_DUMPABLE, 1));
  }
  if (user_maps) c.push_back(SyncStep(StepKind::kRequest, SyncPoint::kUserMaps));
  if (child_unshare != 0) {
    c.push_back(ValueStep(StepKind::kUnshare, v1::STEP_UNSHARE, child_unshare));
  }
  if (time_offsets) {
    c.push_back(SyncStep(StepKind::kRequest, SyncPoint::kTimeOffsets));
  }
  if (dumpable_window) {
    c.push_back(ValueStep(StepKind::kSetDumpable, v1::STEP_SET_DUMPABLE, 0));
  }
  if (create_user && (facts.uid_zero || facts.gid_zero)) {
    c.push_back(BecomeRoot(facts.uid_zero, facts.gid_zero));
    // A change of effective ids clears the parent-death signal.
    c.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                          facts.intermediate_signal));
  }
  if (facts.mount_sources) {
    c.push_back(
        MakeStep(StepKind::kReceiveMountSources, v1::STEP_MOUNT_SOURCES));
  }
  c.push_back(MakeStep(StepKind::kCloneInit, v1::STEP_CLONE));
  c.push_back(MakeStep(StepKind::kReportInitPid, v1::STEP_SYNC));
  c.push_back(MakeStep(StepKind::kExitChild, v1::STEP_SYNC));

  // Stage 2: INIT.
  StagePlan& init = plan.stages[2];
  init.stage = v1::STAGE_INIT;
  init.name = options.process_names[2];
  std::vector<PlanStep>& f = init.steps;
  f.push_back(TextStep(StepKind::kSetName, v1::STEP_CLONE, init.name));
  // Stage 1 had the maps and setgroups written before it cloned the final
  // process: its ids need nothing more of stage 0 and, as in the
  // two-process plan, go before the release.
  if (runc || options.new_session) {
    f.push_back(MakeStep(StepKind::kSetsid, v1::STEP_SET_IDS));
  }
  if (runc) f.push_back(BecomeRoot(true, true));
  if (facts.drop_groups) {
    f.push_back(MakeStep(StepKind::kDropGroups, v1::STEP_SETGROUPS));
  }
  f.push_back(SyncStep(StepKind::kAwaitRelease, SyncPoint::kRelease));
  if (init_unshare != 0) {
    f.push_back(ValueStep(StepKind::kUnshare, v1::STEP_UNSHARE, init_unshare));
  }
  if (facts.final_signal != 0) {
    f.push_back(ValueStep(StepKind::kSetParentDeathSignal, v1::STEP_CLONE,
                          facts.final_signal));
  }
  if (options.finish == FinishMode::kExec) {
    f.push_back(MakeStep(StepKind::kFinishExec, v1::STEP_EXEC));
  } else {
    f.push_back(SyncStep(StepKind::kFinishReturn, SyncPoint::kInitFinish));
  }
  return plan;
}

// setsid fails only for a process group leader, which a fresh clone is
// not (its pid cannot name a live group).
bool InitFinishSkippable(const Plan& plan) {
  if (plan.processes != 2 || plan.finish != FinishMode::kReturn ||
      (plan.create_flags & kCloneNewUser) != 0) {
    return false;
  }
  for (const PlanStep& step : plan.stages[2].steps) {
    switch (step.kind) {
      case StepKind::kSetName:
      case StepKind::kSetsid:
      case StepKind::kAwaitRelease:
      case StepKind::kFinishReturn:
        break;
      case StepKind::kBecomeRoot:
        if (!step.uid || !step.gid) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const char* ReplyProtocolName(ReplyProtocol protocol) {
  switch (protocol) {
    case ReplyProtocol::kNative:
      return "native";
    case ReplyProtocol::kRunc11:
      return "runc-1.1";
    case ReplyProtocol::kRunc12:
      return "runc-1.2";
  }
  return "?";
}

const char* StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kSetName: return "set-name";
    case StepKind::kSetParentDeathSignal: return "parent-death-signal";
    case StepKind::kSetDumpable: return "set-dumpable";
    case StepKind::kBecomeRoot: return "become-root";
    case StepKind::kReplyReady: return "reply-ready";
    case StepKind::kWriteOomScoreAdj: return "write-oom-score-adj";
    case StepKind::kCloneChild: return "clone-child";
    case StepKind::kCloneFinal: return "clone-final";
    case StepKind::kClonePlaceholder: return "clone-placeholder";
    case StepKind::kAwait: return "await";
    case StepKind::kAck: return "ack";
    case StepKind::kWriteSetgroups: return "write-setgroups";
    case StepKind::kWriteUidMap: return "write-uid-map";
    case StepKind::kWriteGidMap: return "write-gid-map";
    case StepKind::kWriteTimeOffsets: return "write-time-offsets";
    case StepKind::kSendMountSources: return "send-mount-sources";
    case StepKind::kReplyPids: return "reply-pids";
    case StepKind::kReleaseInit: return "release-init";
    case StepKind::kAwaitInit: return "await-init";
    case StepKind::kParentDone: return "parent-done";
    case StepKind::kOpenNamespaces: return "open-namespaces";
    case StepKind::kJoin: return "join";
    case StepKind::kJoinDeferred: return "join-deferred";
    case StepKind::kCloseNamespaces: return "close-namespaces";
    case StepKind::kUnshare: return "unshare";
    case StepKind::kRequest: return "request";
    case StepKind::kReceiveMountSources: return "receive-mount-sources";
    case StepKind::kCloneInit: return "clone-init";
    case StepKind::kReportInitPid: return "report-init-pid";
    case StepKind::kExitChild: return "exit-child";
    case StepKind::kAwaitRelease: return "await-release";
    case StepKind::kSetsid: return "setsid";
    case StepKind::kDropGroups: return "drop-groups";
    case StepKind::kFinishReturn: return "finish-return";
    case StepKind::kFinishExec: return "finish-exec";
  }
  return "?";
}

const char* SyncPointName(SyncPoint sync) {
  switch (sync) {
    case SyncPoint::kUserMaps: return "user-maps";
    case SyncPoint::kTimeOffsets: return "time-offsets";
    case SyncPoint::kMountSources: return "mount-sources";
    case SyncPoint::kInitPid: return "init-pid";
    case SyncPoint::kChildFinish: return "child-finish";
    case SyncPoint::kRelease: return "release";
    case SyncPoint::kInitFinish: return "init-finish";
  }
  return "?";
}

const char* NamespaceName(v1::Namespace type) {
  switch (type) {
    case v1::NAMESPACE_MOUNT: return "mnt";
    case v1::NAMESPACE_UTS: return "uts";
    case v1::NAMESPACE_IPC: return "ipc";
    case v1::NAMESPACE_USER: return "user";
    case v1::NAMESPACE_PID: return "pid";
    case v1::NAMESPACE_NET: return "net";
    case v1::NAMESPACE_CGROUP: return "cgroup";
    case v1::NAMESPACE_TIME: return "time";
    default: return "?";
  }
}

const char* StepName(v1::Step step) {
  const char* name = v1::plain::EnumName(step);
  return name == nullptr ? "" : name;
}

const char* StageName(v1::Stage stage) {
  const char* name = v1::plain::EnumName(stage);
  return name == nullptr ? "" : name;
}

const char* LogLevelName(v1::LogLevel level) {
  const char* name = v1::plain::EnumName(level);
  return name == nullptr ? "" : name;
}

uint32_t NamespaceCloneFlag(v1::Namespace type) {
  switch (type) {
    case v1::NAMESPACE_MOUNT: return kCloneNewNs;
    case v1::NAMESPACE_UTS: return kCloneNewUts;
    case v1::NAMESPACE_IPC: return kCloneNewIpc;
    case v1::NAMESPACE_USER: return kCloneNewUser;
    case v1::NAMESPACE_PID: return kCloneNewPid;
    case v1::NAMESPACE_NET: return kCloneNewNet;
    case v1::NAMESPACE_CGROUP: return kCloneNewCgroup;
    case v1::NAMESPACE_TIME: return kCloneNewTime;
    default: return 0;
  }
}

std::string CloneFlagsNames(uint32_t flags) {
  std::vector<const char*> names;
  for (int t = v1::NAMESPACE_MOUNT; t <= v1::NAMESPACE_TIME; ++t) {
    const v1::Namespace type = static_cast<v1::Namespace>(t);
    if (flags & NamespaceCloneFlag(type)) names.push_back(NamespaceName(type));
  }
  return names.empty() ? "none" : StrJoin(names, ",");
}

namespace {

std::string TargetText(const JoinTarget& target) {
  std::vector<const char*> types;
  for (v1::Namespace t : target.types) types.push_back(NamespaceName(t));
  std::string what = StrJoin(types, ",");
  switch (target.kind) {
    case JoinTarget::Kind::kPath:
      return StrCat(what, " from path ", QuoteBytes(target.path));
    case JoinTarget::Kind::kPid:
      return StrCat(what, " of pid ", target.pid, " (pidfd_open, one setns)");
    case JoinTarget::Kind::kPidfd:
      return StrCat(what, " of pidfd ", target.fd, " (one setns)");
  }
  return what;
}

const char* StageNumber(v1::Stage stage) {
  switch (stage) {
    case v1::STAGE_PARENT: return "0";
    case v1::STAGE_CHILD: return "1";
    case v1::STAGE_INIT: return "2";
    default: return "?";
  }
}

// The process whose /proc files stage 0 writes.
const char* Outside(const Plan& plan) {
  return plan.processes == 2 ? "<stage2>" : "<stage1>";
}

std::string StepText(const Plan& plan, const PlanStep& step) {
  std::string out = StepKindName(step.kind);
  switch (step.kind) {
    case StepKind::kSetName:
      StrAppend(&out, " ", QuoteBytes(step.text));
      break;
    case StepKind::kSetParentDeathSignal:
      StrAppend(&out, " ", step.value);
      break;
    case StepKind::kSetDumpable:
      StrAppend(&out, " ", step.value);
      break;
    case StepKind::kBecomeRoot:
      if (step.gid) StrAppend(&out, " setresgid(0,0,0)");
      if (step.uid) StrAppend(&out, " setresuid(0,0,0)");
      if (InitFinishSkippable(plan)) {
        StrAppend(&out, " (skipped when stage 0's ids are all 0)");
      }
      break;
    case StepKind::kReplyReady:
      if (plan.protocol == ReplyProtocol::kRunc11) {
        StrAppend(&out, " (NUL byte on the init pipe)");
      } else {
        StrAppend(&out, " (Ready, schema versions ",
                  StrJoin(kSupportedSchemaVersions, ", "), ")");
      }
      break;
    case StepKind::kWriteOomScoreAdj:
      StrAppend(&out, " /proc/self/oom_score_adj ", QuoteBytes(step.text));
      break;
    case StepKind::kCloneChild:
      StrAppend(&out, " stage 1 (clone3 CLONE_PARENT|CLONE_PIDFD)");
      break;
    case StepKind::kCloneFinal:
      StrAppend(&out, " stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD",
                step.value == 0 ? "" : "; new ",
                step.value == 0 ? "" : CloneFlagsNames(step.value), ")");
      break;
    case StepKind::kClonePlaceholder:
      StrAppend(&out, step.value != 0
                          ? " stage1_pid (clone3 CLONE_PARENT|CLONE_VM; "
                            "exits at once)"
                          : " stage1_pid (clone3 CLONE_PARENT, a copy: a time "
                            "namespace is joined; exits at once)");
      break;
    case StepKind::kAwait:
    case StepKind::kAck:
    case StepKind::kRequest:
      StrAppend(&out, " ", SyncPointName(step.sync));
      break;
    case StepKind::kWriteSetgroups:
      StrAppend(&out, " /proc/", Outside(plan), "/setgroups ",
                QuoteBytes(step.text));
      break;
    case StepKind::kWriteUidMap:
    case StepKind::kWriteGidMap:
      StrAppend(&out, " /proc/", Outside(plan), "/",
                step.kind == StepKind::kWriteUidMap ? "uid_map " : "gid_map ",
                QuoteBytes(step.text));
      if (step.helper.empty()) {
        StrAppend(&out, "; no helper");
      } else {
        StrAppend(&out, "; on EPERM: ", QuoteBytes(step.helper), " ",
                  Outside(plan), " ", StrJoin(step.helper_args, " "));
      }
      break;
    case StepKind::kWriteTimeOffsets:
      StrAppend(&out, " /proc/", Outside(plan), "/timens_offsets ",
                QuoteBytes(step.text));
      break;
    case StepKind::kSendMountSources:
    case StepKind::kReceiveMountSources:
      for (size_t i = 0; i < plan.mount_sources.size(); ++i) {
        if (plan.mount_sources[i].empty()) continue;
        StrAppend(&out, " ", QuoteBytes(plan.mount_sources[i]), "->fd",
                  plan.mount_source_fds[i]);
      }
      break;
    case StepKind::kReplyPids:
      switch (plan.protocol) {
        case ReplyProtocol::kNative:
          StrAppend(&out, " (Pids",
                    plan.reply_pidfds ? " with pidfds" : "",
                    plan.reply_namespace_ids ? "" : ", no namespace ids",
                    ")");
          break;
        default:
          StrAppend(&out, " (PID JSON line on the init pipe)");
      }
      break;
    case StepKind::kReleaseInit:
      StrAppend(&out, " stage 2");
      break;
    case StepKind::kAwaitInit:
      StrAppend(&out, plan.finish == FinishMode::kExec
                          ? " (exec succeeded: EOF after init-finish)"
                      : InitFinishSkippable(plan)
                          ? " (init-finish; skipped when stage 0's ids are "
                            "all 0: nothing left can fail in stage 2)"
                          : " (init-finish)");
      break;
    case StepKind::kParentDone:
      StrAppend(&out, " (Run returns; the caller exits 0)");
      break;
    case StepKind::kOpenNamespaces:
      StrAppend(&out, " (all ", plan.join_targets.size(),
                plan.join_targets.size() == 1 ? " target" : " targets",
                " before any setns, O_CLOEXEC)");
      break;
    case StepKind::kJoin: {
      const JoinTarget& target = plan.join_targets[step.value];
      StrAppend(&out, " [", step.value, "] ", TargetText(target));
      if (step.defer_eperm) StrAppend(&out, "; EPERM deferred");
      break;
    }
    case StepKind::kJoinDeferred:
      StrAppend(&out, " (retry the EPERM ones; any failure is fatal)");
      break;
    case StepKind::kUnshare:
      StrAppend(&out, " ", CloneFlagsNames(step.value));
      break;
    case StepKind::kCloneInit:
      StrAppend(&out, " stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD)");
      break;
    case StepKind::kReportInitPid:
      StrAppend(&out, " (pid and pidfd of stage 2)");
      break;
    case StepKind::kExitChild:
      StrAppend(&out, " (child-finish, exit 0)");
      break;
    case StepKind::kDropGroups:
      StrAppend(&out, " setgroups(0, NULL)");
      break;
    case StepKind::kFinishReturn:
      StrAppend(&out, InitFinishSkippable(plan)
                          ? " (init-finish unless skipped, return into the "
                            "caller)"
                          : " (init-finish, return into the caller)");
      break;
    case StepKind::kFinishExec:
      StrAppend(&out, " (execve the command)");
      break;
    case StepKind::kCloseNamespaces:
    case StepKind::kAwaitRelease:
    case StepKind::kSetsid:
      break;
  }
  return out;
}

}  // namespace

std::string FormatPlan(const Plan& plan) {
  std::string out;
  StrAppend(&out, "plan: schema v", plan.schema_version, ", protocol ",
            ReplyProtocolName(plan.protocol), ", finish ",
            plan.finish == FinishMode::kExec ? "exec" : "return",
            ", log level ", LogLevelName(plan.log_level), "\n");
  StrAppend(&out, "create: ", CloneFlagsNames(plan.create_flags), "\n");
  if (plan.join_targets.empty()) {
    StrAppend(&out, "join: none\n");
  } else {
    StrAppend(&out, "join:\n");
    for (size_t i = 0; i < plan.join_targets.size(); ++i) {
      StrAppend(&out, "  [", i, "] ", TargetText(plan.join_targets[i]), "\n");
    }
  }
  if (plan.processes == 2) {
    StrAppend(&out, "processes: 2; no stage 1: ", plan.init_reason, "\n");
  } else {
    StrAppend(&out, "processes: 3; stage 2: ", plan.init_reason, "\n");
  }
  static const char* const kRoles[] = {
      "stays in the caller's namespaces, writes from outside, replies",
      "joins and creates namespaces, clones stage 2, exits",
      "the final process",
  };
  for (size_t s = 0; s < plan.stages.size(); ++s) {
    const StagePlan& stage = plan.stages[s];
    if (stage.steps.empty()) continue;  // stage 1 of a two-process plan
    const char* role = kRoles[s];
    if (plan.processes == 2 && s == 0) {
      role = plan.join_targets.empty()
                 ? "stays in the caller's namespaces, clones the final "
                   "process, writes from outside, replies"
                 : "joins namespaces, clones the final process, writes from "
                   "outside, replies";
    }
    StrAppend(&out, "stage ", StageNumber(stage.stage), " ",
              absl::StripPrefix(StageName(stage.stage), "STAGE_"), " ",
              QuoteBytes(stage.name), ": ", role, "\n");
    for (size_t i = 0; i < stage.steps.size(); ++i) {
      StrAppend(&out, i + 1 < 10 ? "   " : "  ", i + 1, ". ",
                StepText(plan, stage.steps[i]), "\n");
    }
  }
  return out;
}

}  // namespace executor
}  // namespace nsboot
