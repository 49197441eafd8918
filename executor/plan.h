// The executor's plan: what the bootstrap will do, as an ordered, typed
// program per stage process, computed from a v1::plain::BootstrapRequest
// without any system call, environment read or other look at the machine.
//
//   NSBOOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(request, options));
//   std::cout << FormatPlan(plan);       // what `nsboot plan FILE` prints
//   Run(plan, run_options, sink);        // executor/run.h
//
// Process model (docs/PROTOCOL.md, "Process model"):
//  * stage 0, PARENT: the process that calls Run. It stays in the caller's
//    namespaces and writes what must be written from outside (setgroups,
//    uid_map, gid_map, timens_offsets of stage 1), and sends the replies.
//  * stage 1, CHILD: cloned by stage 0 with CLONE_PARENT. Joins and creates
//    (unshares) namespaces, then clones stage 2 and exits.
//  * stage 2, INIT: cloned by stage 1 with CLONE_PARENT. The first process
//    inside a new PID or time namespace; the process that returns into the
//    caller's main() or execs the command.
//
// Two-process plans (Plan::processes == 2; native protocol only, where it is
// equivalent): there is no stage 1. Stage 0 joins the namespaces itself
// (it is disposable: it exits after kParentDone), then clones the final
// process (stage 2) with clone3(CLONE_PARENT | CLONE_PIDFD | every
// CLONE_NEW* to create), so it is born inside every new namespace; stage 0
// writes its maps from outside while it waits to be released. stages[1] is
// then empty (STAGE_UNSPECIFIED, no steps).
//
// The stages run in lockstep: every request one stage sends (kRequest,
// kReportInitPid, kExitChild, kFinish*) is matched by exactly one kAwait*
// step of its peer, so a plan is a complete script of the conversation.
#ifndef NSBOOT_EXECUTOR_PLAN_H_
#define NSBOOT_EXECUTOR_PLAN_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {

// What the parent on the other end of the init pipe speaks.
enum class ReplyProtocol {
  // nsboot's own BootstrapReply frames (Ready, Pids, Log, Error).
  kNative,
  // runc 1.0.0-rc94 .. 1.1.x: a NUL byte first, then the PID JSON line; the
  // runc 1.1 MOUNT_SOURCES attribute is understood; no time namespace.
  kRunc11,
  // runc 1.2+: the PID JSON line only; time namespace offsets.
  kRunc12,
};

// What the final process does once its part is done.
enum class FinishMode {
  // Run() returns in the final process (the pre-main case).
  kReturn,
  // The final process execve()s the command given in RunOptions.
  kExec,
};

// Everything the embedder decides. Never read from the machine.
struct PlanOptions {
  ReplyProtocol protocol = ReplyProtocol::kNative;
  FinishMode finish = FinishMode::kReturn;

  // Names the stages get with PR_SET_NAME (stage 0, 1, 2), at most 15 bytes
  // each (the kernel's TASK_COMM_LEN). A runc drop-in passes
  // {"runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]"}.
  std::array<std::string, 3> process_names = {
      "nsboot:0:PARENT", "nsboot:1:CHILD", "nsboot:2:INIT"};

  // Log level used when the request does not set options.log_level (runc
  // takes it from _LIBCONTAINER_LOGLEVEL; nsexec's default is debug).
  v1::LogLevel default_log_level = v1::LOG_LEVEL_INFO;

  // Start a new session (setsid) in the final process. runc's stage 2
  // always does; for the runc protocols the plan does it regardless.
  bool new_session = false;

  // runc 1.1 _LIBCONTAINER_MOUNT_FDS, already parsed: one fd number per
  // entry of request.mount_sources, -1 for an empty source. The received
  // O_PATH fd of mount source i is dup3()ed onto mount_source_fds[i]
  // (O_CLOEXEC) in stage 1, so the final process has it.
  std::vector<int> mount_source_fds;

  // Use the two-process plan where it is equivalent to the three-process one
  // (no time namespace created, no user namespace joined, no joins together
  // with maps of a new user namespace; for runc 1.1, no mount sources). The
  // runc protocols report a stage-1 pid, which their parent reaps: there it
  // is a placeholder process that exits at once. Off: always three.
  bool two_processes = true;

  // The embedder has checked that this process runs from a sealed copy of
  // its binary (embed/sealed_exe.h, CVE-2019-5736). The executor does not
  // seal; a request with options.seal_exe is refused unless this is set.
  bool exe_sealed = false;
};

// One namespace file or process whose namespaces stage 1 (in a two-process
// plan: stage 0) joins. Joins of
// several types by the same pid or pidfd are one target, joined with a
// single setns(pidfd, mask).
struct JoinTarget {
  enum class Kind { kPath, kPid, kPidfd };
  Kind kind = Kind::kPath;
  std::string path;  // kPath
  int32_t pid = 0;   // kPid (opened with pidfd_open)
  int32_t fd = -1;   // kPidfd (the fd the parent passed)
  // The types joined through this target, in request order.
  std::vector<v1::Namespace> types;
  // OR of their CLONE_NEW* flags: the nstype argument of setns(2).
  uint32_t clone_flags = 0;
};

// A message of the internal conversation between stages.
enum class SyncPoint {
  kUserMaps,      // 1 -> 0: write my setgroups/uid_map/gid_map; 0 -> 1: done
  kTimeOffsets,   // 1 -> 0: write my timens_offsets; 0 -> 1: done
  kMountSources,  // 1 -> 0: open the mount sources in my mount namespace
  kInitPid,       // 1 -> 0: stage 2's pid (and pidfd); 0 -> 1: reported
  kChildFinish,   // 1 -> 0: stage 1 is done and exits
  kRelease,       // 0 -> 2: go ahead (stage 1 has finished)
  kInitFinish,    // 2 -> 0: stage 2 is done (returning, or exec succeeded)
};

enum class StepKind {
  // Any stage.
  kSetName,               // prctl(PR_SET_NAME, text)
  kSetParentDeathSignal,  // prctl(PR_SET_PDEATHSIG, value); then getppid check
  kSetDumpable,           // prctl(PR_SET_DUMPABLE, value)
  kBecomeRoot,            // setresgid(0,0,0) if gid, setresuid(0,0,0) if uid
  // Stage 0 (PARENT).
  kReplyReady,            // Ready (native) / the NUL byte (runc 1.1)
  kWriteOomScoreAdj,      // text -> /proc/self/oom_score_adj
  kCloneChild,            // clone3(CLONE_PARENT|CLONE_PIDFD) stage 1
  kCloneFinal,            // clone3(CLONE_PARENT|CLONE_PIDFD|create_flags)
                          // stage 2 (two-process plans)
  kClonePlaceholder,      // a sibling that exits at once: the stage-1 pid
                          // of the runc protocols' two-process plans;
                          // value 1: it shares stage 0's memory (CLONE_VM)
                          // until it exits, 0: a copy of it (a time
                          // namespace is joined, which setns refuses to a
                          // process sharing its memory)
  kAwait,                 // wait for `sync` from stage 1
  kAck,                   // answer `sync` to stage 1
  // The /proc/<pid>/ files below are stage 1's (three processes) or the
  // final process's (two processes).
  kWriteSetgroups,        // text ("deny") -> /proc/<stage1>/setgroups
  kWriteUidMap,           // text -> /proc/<stage1>/uid_map; helper on EPERM
  kWriteGidMap,           // text -> /proc/<stage1>/gid_map; helper on EPERM
  kWriteTimeOffsets,      // text -> /proc/<stage1>/timens_offsets
  kSendMountSources,      // open mount sources in stage 1's mnt ns, send fds
  kReplyPids,             // Pids (native) / the PID JSON line (runc)
  kReleaseInit,           // send kRelease to stage 2
  kAwaitInit,             // wait for stage 2's kInitFinish (or exec)
  kParentDone,            // Run() returns kParentDone; the caller exits 0
  // Stage 1 (CHILD); the four join steps also in stage 0 of a two-process
  // plan.
  kOpenNamespaces,        // open every join target, before any setns
  kJoin,                  // setns(target fd, target.clone_flags)
  kJoinDeferred,          // retry the joins deferred on EPERM
  kCloseNamespaces,       // close the join target fds
  kUnshare,               // unshare(value)
  kRequest,               // send `sync` to stage 0, wait for its answer
  kReceiveMountSources,   // receive the fds and dup3 them into place
  kCloneInit,             // clone3(CLONE_PARENT|CLONE_PIDFD) stage 2
  kReportInitPid,         // send stage 2's pid + pidfd, wait for the answer
  kExitChild,             // send kChildFinish and _exit(0)
  // Stage 2 (INIT).
  kAwaitRelease,          // wait for kRelease from stage 0
  kSetsid,                // setsid()
  kDropGroups,            // setgroups(0, NULL)
  kFinishReturn,          // send kInitFinish (unless skipped, see
                          // InitFinishSkippable), close sync fds, return
  kFinishExec,            // close sync fds on exec, execve the command
};

struct PlanStep {
  StepKind kind;
  // Step reported in an Error when this step fails.
  v1::Step error_step = v1::STEP_UNSPECIFIED;
  // kSetParentDeathSignal: signal; kSetDumpable: 0/1; kUnshare: CLONE_*
  // flags; kJoin: index into Plan::join_targets.
  int64_t value = 0;
  // kJoin: an EPERM is tolerated and the join retried by kJoinDeferred.
  bool defer_eperm = false;
  // kBecomeRoot.
  bool uid = false;
  bool gid = false;
  // kAwait / kAck / kRequest.
  SyncPoint sync = SyncPoint::kUserMaps;
  // kSetName, kWrite*: the bytes to set or write.
  std::string text;
  // kWriteUidMap / kWriteGidMap: newuidmap/newgidmap, empty for none.
  std::string helper;
  // kWriteUidMap / kWriteGidMap: the helper's arguments after the pid.
  std::vector<std::string> helper_args;
};

struct StagePlan {
  v1::Stage stage = v1::STAGE_UNSPECIFIED;
  std::string name;  // PR_SET_NAME
  std::vector<PlanStep> steps;
};

struct Plan {
  uint32_t schema_version = 1;
  ReplyProtocol protocol = ReplyProtocol::kNative;
  FinishMode finish = FinishMode::kReturn;
  v1::LogLevel log_level = v1::LOG_LEVEL_INFO;
  bool reply_pidfds = false;
  // Pids lists the final process's namespace ids: native protocol, unless
  // options.skip_namespace_ids (runc's PID JSON has none).
  bool reply_namespace_ids = false;

  // Namespaces created, as CLONE_NEW* flags (all of them, including the ones
  // a later step unshares): unshared by stage 1, or clone3 flags of the
  // final process in a two-process plan.
  uint32_t create_flags = 0;
  std::vector<JoinTarget> join_targets;

  // 3: stage 0, 1, 2. 2: stage 0 and the final process (stage 2); no stage 1.
  int processes = 3;

  // Why the plan has this shape (human-readable; "new pid namespace", ...):
  // why stage 2 exists (three processes), or why two suffice.
  std::string init_reason;

  // runc 1.1 mount sources (request.mount_sources) and where each lands.
  std::vector<std::string> mount_sources;
  std::vector<int> mount_source_fds;

  // PARENT, CHILD, INIT, in this order. CHILD is empty (STAGE_UNSPECIFIED,
  // no steps) in a two-process plan.
  std::array<StagePlan, 3> stages;
};

// The schema versions MakePlan accepts.
inline constexpr uint32_t kSupportedSchemaVersions[] = {1, 2};

// Validates `request` (semantics; structural limits are the decoder's job,
// but anything MakePlan relies on is checked) and computes the plan.
// InvalidArgument names the offending field, e.g. "uid_mappings: ...";
// Unimplemented for features this executor does not provide.
StatusOr<Plan> MakePlan(const v1::plain::BootstrapRequest& request,
                        const PlanOptions& options);
// The same for a generated message: v1::ToPlain, then the above. Defined in
// plan_proto.cc (//executor:plan_proto), so that a static link referring only
// to the overload above takes no protobuf code from the archives.
StatusOr<Plan> MakePlan(const v1::BootstrapRequest& request,
                        const PlanOptions& options);

// Whether `plan` is a two-process plan whose final process has nothing
// that can fail after its clone (its name, setsid in a fresh process, the
// release, the return into the caller) but for a kBecomeRoot to 0 in stage
// 0's own user namespace. When stage 0's ids are all 0 already (Run checks
// before any clone), that kBecomeRoot changes nothing, so Run skips it and
// the init-finish exchange (stage 0's kAwaitInit, kFinishReturn's message):
// stage 0 exits once it has released the final process. Pure.
bool InitFinishSkippable(const Plan& plan);

// Stable, human-readable text of a plan. One line per step; no pointers,
// pids or anything else that depends on the run.
std::string FormatPlan(const Plan& plan);

// Short names, as used by FormatPlan.
const char* ReplyProtocolName(ReplyProtocol protocol);  // "native", "runc-1.1"
const char* StepKindName(StepKind kind);                // "clone-child"
const char* SyncPointName(SyncPoint sync);              // "user-maps"
// "mnt", "uts", ..., as in /proc/PID/ns; "?" for anything else.
const char* NamespaceName(v1::Namespace type);
// The enum value names, e.g. "STEP_SETNS", as the generated v1::Step_Name,
// v1::Stage_Name and v1::LogLevel_Name return them without their protobuf
// runtime: v1::plain::EnumName, and "" for a value outside the enum.
const char* StepName(v1::Step step);
const char* StageName(v1::Stage stage);
const char* LogLevelName(v1::LogLevel level);
// CLONE_NEW* flag of a type; 0 for anything else.
uint32_t NamespaceCloneFlag(v1::Namespace type);
// "mnt,uts,net" for a set of CLONE_NEW* flags, in enum order.
std::string CloneFlagsNames(uint32_t flags);

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_PLAN_H_
