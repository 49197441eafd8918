#include "executor/run.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"
#include "executor/namespace_ids.h"
#include "executor/plan.h"
#include "executor/reply_sink.h"
#include "executor/sync.h"
#include "executor/sys.h"

extern char** environ;

namespace nsboot {
namespace executor {
namespace {

constexpr int kMaxTargets = 8;  // one per namespace type at most

using sync::Message;
using sync::Type;

// Everything the stages share. Built in stage 0 before the first clone; the
// later stages get a copy with their address space and only read it (plus
// their own fds and pids), so they never allocate.
struct Ctx {
  const Plan* plan = nullptr;
  ReplySink* sink = nullptr;

  // [0]: stage 0's end, [1]: the other stage's end.
  int child_sock[2] = {-1, -1};
  int init_sock[2] = {-1, -1};

  pid_t host_pid = 0;  // parent of stage 0
  // Parent of stages 1 and 2: host_pid (CLONE_PARENT), or stage 0 itself
  // with RunOptions::stages_are_callers_children.
  pid_t stages_parent = 0;
  // CLONE_PARENT, or 0 with RunOptions::stages_are_callers_children.
  uint64_t clone_parent = 0;
  pid_t child_pid = 0;
  int child_pidfd = -1;
  pid_t init_pid = 0;
  int init_pidfd = -1;

  int ns_fds[kMaxTargets];
  bool deferred[kMaxTargets];

  // Two-process plans with joins: the caller's /proc, opened by stage 0
  // before it joins a mount namespace, for the final process's files.
  int proc_fd = -1;

  // Stage 0 only: after the first Error, nothing more is sent.
  bool error_sent = false;

  // InitFinishSkippable and stage 0's ids all 0, decided before any clone:
  // the final process skips its kBecomeRoot (it would change nothing) and
  // its init-finish, stage 0 its kAwaitInit.
  bool skip_init_finish = false;

  // glibc's thread id address and robust list of stage 0, for the final
  // process to take over (sys::AdoptThreadState).
  sys::ThreadState thread_state;

  // RunOptions::resume and the final process's stack, when
  // FinalSharesMemory: stage 0 clones the final process with CLONE_VM.
  bool final_shares_memory = false;
  char* final_stack = nullptr;
  size_t final_stack_size = 0;
  void (*resume)() = nullptr;

  // FinishMode::kExec, prepared before any clone.
  const char* exec_path = nullptr;
  std::vector<char*> exec_argv;
  std::vector<char*> exec_envp;
  char** exec_env = nullptr;
};

pid_t RawGetpid() { return static_cast<pid_t>(syscall(SYS_getpid)); }
pid_t RawGetppid() { return static_cast<pid_t>(syscall(SYS_getppid)); }

// ---------------------------------------------------------------------------
// Stages 1 and 2: no allocation, raw checks, report and _exit on failure.

[[noreturn]] void StageFail(Ctx& ctx, int sock, v1::Stage stage,
                            v1::Step error_step, int err,
                            const sys::Text& text) {
  Message m;
  m.type = Type::kError;
  m.stage = stage;
  m.step = error_step;
  m.err = err;
  m.pid = RawGetpid();
  memcpy(m.text, text.data(), text.size() + 1);
  sync::Send(sock, m);
  // Stage 1 takes down the stage 2 it created; stage 0 does not know it yet.
  if (stage == v1::STAGE_CHILD && ctx.init_pidfd >= 0) {
    sys::PidfdSendSignal(ctx.init_pidfd, SIGKILL);
  }
  _exit(1);
}

[[noreturn]] void StageFail(Ctx& ctx, int sock, v1::Stage stage,
                            const PlanStep& step, int err,
                            const sys::Text& text) {
  StageFail(ctx, sock, stage, step.error_step, err, text);
}

[[noreturn]] void StageFailSimple(Ctx& ctx, int sock, v1::Stage stage,
                                  v1::Step error_step, int err,
                                  const char* what) {
  sys::Text text;
  text.Add(what);
  StageFail(ctx, sock, stage, error_step, err, text);
}

[[noreturn]] void StageFailSimple(Ctx& ctx, int sock, v1::Stage stage,
                                  const PlanStep& step, int err,
                                  const char* what) {
  StageFailSimple(ctx, sock, stage, step.error_step, err, what);
}

// Waits for `type` (and `sync_point`, when >= 0) from stage 0. On EOF or a
// protocol error the stage exits: stage 0 is gone or has given up, and it is
// the one that reports.
void StageAwait(Ctx& ctx, int sock, v1::Stage stage, const PlanStep& step,
                Type type, int sync_point, Message* m, int* fd) {
  const int rc = sync::Receive(sock, m, fd);
  if (rc == 0) _exit(1);  // stage 0 is gone
  if (rc < 0) StageFailSimple(ctx, sock, stage, step, -rc, "sync receive");
  if (m->type != type || (sync_point >= 0 && m->sync_point != sync_point)) {
    StageFailSimple(ctx, sock, stage, step, EPROTO,
                    "unexpected sync message from stage 0");
  }
}

void StageSend(Ctx& ctx, int sock, v1::Stage stage, const PlanStep& step,
               Type type, int sync_point, int value, int fd) {
  Message m;
  m.type = type;
  m.sync_point = sync_point;
  m.value = value;
  const int rc = sync::Send(sock, m, fd);
  if (rc == -EPIPE || rc == -ECONNRESET) _exit(1);  // stage 0 is gone
  if (rc < 0) StageFailSimple(ctx, sock, stage, step, -rc, "sync send");
}

const char* TargetDescription(const JoinTarget& target, char* buf,
                              size_t size) {
  sys::Text t;
  for (size_t i = 0; i < target.types.size(); ++i) {
    if (i > 0) t.Add(",");
    t.Add(NamespaceName(target.types[i]));
  }
  switch (target.kind) {
    case JoinTarget::Kind::kPath:
      t.Add(" namespace ").Add(target.path.c_str());
      break;
    case JoinTarget::Kind::kPid:
      t.Add(" namespaces of pid ").AddInt(target.pid);
      break;
    case JoinTarget::Kind::kPidfd:
      t.Add(" namespaces of pidfd ").AddInt(target.fd);
      break;
  }
  const size_t n = t.size() < size - 1 ? t.size() : size - 1;
  memcpy(buf, t.data(), n);
  buf[n] = '\0';
  return buf;
}

// Opens what setns(2) takes for a join target: the namespace file, a pidfd
// of the pid, or the pidfd the parent passed. Raw: an fd or -errno.
int OpenJoinTarget(const JoinTarget& target) {
  switch (target.kind) {
    case JoinTarget::Kind::kPath: {
      const int fd = open(target.path.c_str(), O_RDONLY | O_CLOEXEC);
      return fd >= 0 ? fd : -errno;
    }
    case JoinTarget::Kind::kPid:
      return sys::PidfdOpen(target.pid);
    case JoinTarget::Kind::kPidfd:
      return target.fd;
  }
  return -EINVAL;
}

void SetsOrFail(Ctx& ctx, int sock, v1::Stage stage, const PlanStep& step,
                int rc, const char* what) {
  if (rc < 0) StageFailSimple(ctx, sock, stage, step, -rc, what);
}

void BecomeRoot(Ctx& ctx, int sock, v1::Stage stage, const PlanStep& step) {
  if (step.gid) SetsOrFail(ctx, sock, stage, step, sys::SetResGid0(),
                           "setresgid(0, 0, 0)");
  if (step.uid) SetsOrFail(ctx, sock, stage, step, sys::SetResUid0(),
                           "setresuid(0, 0, 0)");
}

// Stage 2. Returns only in FinishMode::kReturn, as the final process.
void RunInit(Ctx& ctx) {
  const v1::Stage kStage = v1::STAGE_INIT;
  // Stage 1's end of its own socket must not live on here, or stage 0 would
  // not see EOF when stage 1 dies.
  sys::CloseFd(&ctx.child_sock[1]);
  // Two processes: cloned by stage 0, so stage 0's fds are copies here.
  sys::CloseFd(&ctx.child_sock[0]);
  sys::CloseFd(&ctx.init_sock[0]);
  sys::CloseFd(&ctx.proc_fd);
  ctx.child_pidfd = -1;
  ctx.init_pidfd = -1;
  // A copy of stage 0's memory is this process's own at once; shared
  // memory only once stage 0 has exited (FinalProcessSharingMemory).
  if (!ctx.final_shares_memory) sys::AdoptThreadState(ctx.thread_state);
  const int sock = ctx.init_sock[1];
  const pid_t initial_ppid = RawGetppid();
  for (const PlanStep& step : ctx.plan->stages[2].steps) {
    switch (step.kind) {
      case StepKind::kSetName:
        SetsOrFail(ctx, sock, kStage, step, sys::SetName(step.text.c_str()),
                   "prctl(PR_SET_NAME)");
        break;
      case StepKind::kAwaitRelease: {
        Message m;
        StageAwait(ctx, sock, kStage, step, Type::kRelease, -1, &m, nullptr);
        break;
      }
      case StepKind::kSetsid:
        if (syscall(SYS_setsid) < 0) {
          StageFailSimple(ctx, sock, kStage, step, errno, "setsid");
        }
        break;
      case StepKind::kBecomeRoot:
        if (!ctx.skip_init_finish) BecomeRoot(ctx, sock, kStage, step);
        break;
      case StepKind::kDropGroups:
        SetsOrFail(ctx, sock, kStage, step, sys::DropGroups(),
                   "setgroups(0, NULL)");
        break;
      case StepKind::kUnshare: {
        const int rc = sys::Unshare(static_cast<int>(step.value));
        if (rc < 0) StageFailSimple(ctx, sock, kStage, step, -rc, "unshare");
        break;
      }
      case StepKind::kSetParentDeathSignal:
        SetsOrFail(ctx, sock, kStage, step,
                   sys::SetParentDeathSignal(static_cast<int>(step.value),
                                             initial_ppid),
                   "prctl(PR_SET_PDEATHSIG)");
        break;
      case StepKind::kFinishReturn:
        if (!ctx.skip_init_finish) {
          StageSend(ctx, sock, kStage, step, Type::kInitFinish, 0, 0, -1);
        }
        sys::CloseFd(&ctx.init_sock[1]);
        return;
      case StepKind::kFinishExec: {
        StageSend(ctx, sock, kStage, step, Type::kInitFinish, 0, 0, -1);
        // The sync socket is O_CLOEXEC: stage 0 sees EOF when exec worked.
        execve(ctx.exec_path, ctx.exec_argv.data(), ctx.exec_env);
        const int err = errno;
        sys::Text text;
        text.Add("execve ").Add(ctx.exec_path);
        StageFail(ctx, sock, kStage, step, err, text);
      }
      default:
        StageFailSimple(ctx, sock, kStage, step, 0,
                        "step not valid in stage 2");
    }
  }
  StageFailSimple(ctx, sock, kStage, v1::STEP_PLAN, 0,
                  "plan of stage 2 has no finish step");
}

// Stage 1. Returns only in the final process (from RunInit).
void RunChild(Ctx& ctx) {
  const v1::Stage kStage = v1::STAGE_CHILD;
  sys::CloseFd(&ctx.child_sock[0]);
  sys::CloseFd(&ctx.init_sock[0]);
  ctx.child_pidfd = -1;  // stage 0's
  const int sock = ctx.child_sock[1];
  const Plan& plan = *ctx.plan;
  for (int i = 0; i < kMaxTargets; ++i) {
    ctx.ns_fds[i] = -1;
    ctx.deferred[i] = false;
  }
  char what[160];
  for (const PlanStep& step : plan.stages[1].steps) {
    switch (step.kind) {
      case StepKind::kSetName:
        SetsOrFail(ctx, sock, kStage, step, sys::SetName(step.text.c_str()),
                   "prctl(PR_SET_NAME)");
        break;
      case StepKind::kSetParentDeathSignal:
        SetsOrFail(ctx, sock, kStage, step,
                   sys::SetParentDeathSignal(static_cast<int>(step.value),
                                             ctx.stages_parent),
                   "prctl(PR_SET_PDEATHSIG)");
        break;
      case StepKind::kSetDumpable:
        SetsOrFail(ctx, sock, kStage, step,
                   sys::SetDumpable(static_cast<int>(step.value)),
                   "prctl(PR_SET_DUMPABLE)");
        break;
      case StepKind::kBecomeRoot:
        BecomeRoot(ctx, sock, kStage, step);
        break;
      case StepKind::kOpenNamespaces: {
        if (plan.join_targets.size() > kMaxTargets) {
          StageFailSimple(ctx, sock, kStage, step, E2BIG, "too many targets");
        }
        for (size_t i = 0; i < plan.join_targets.size(); ++i) {
          const JoinTarget& target = plan.join_targets[i];
          const int fd = OpenJoinTarget(target);
          if (fd < 0) {
            sys::Text text;
            text.Add("open ").Add(
                TargetDescription(target, what, sizeof(what)));
            StageFail(ctx, sock, kStage, step, -fd, text);
          }
          ctx.ns_fds[i] = fd;
        }
        break;
      }
      case StepKind::kJoin: {
        const size_t i = static_cast<size_t>(step.value);
        const JoinTarget& target = plan.join_targets[i];
        const int rc = sys::Setns(ctx.ns_fds[i],
                                  static_cast<int>(target.clone_flags));
        if (rc == -EPERM && step.defer_eperm) {
          ctx.deferred[i] = true;
        } else if (rc < 0) {
          sys::Text text;
          text.Add("setns to ").Add(
              TargetDescription(target, what, sizeof(what)));
          StageFail(ctx, sock, kStage, step, -rc, text);
        }
        break;
      }
      case StepKind::kJoinDeferred:
        for (size_t i = 0; i < plan.join_targets.size(); ++i) {
          if (!ctx.deferred[i]) continue;
          const JoinTarget& target = plan.join_targets[i];
          const int rc = sys::Setns(ctx.ns_fds[i],
                                    static_cast<int>(target.clone_flags));
          if (rc < 0) {
            sys::Text text;
            text.Add("setns to ").Add(
                TargetDescription(target, what, sizeof(what)));
            text.Add(" (after joining the user namespace)");
            StageFail(ctx, sock, kStage, step, -rc, text);
          }
          ctx.deferred[i] = false;
        }
        break;
      case StepKind::kCloseNamespaces:
        for (size_t i = 0; i < plan.join_targets.size() && i < kMaxTargets;
             ++i) {
          sys::CloseFd(&ctx.ns_fds[i]);
        }
        break;
      case StepKind::kUnshare: {
        const int rc = sys::Unshare(static_cast<int>(step.value));
        if (rc < 0) {
          sys::Text text;
          text.Add("unshare ");
          for (int t = v1::NAMESPACE_MOUNT; t <= v1::NAMESPACE_TIME; ++t) {
            const auto type = static_cast<v1::Namespace>(t);
            if (step.value & NamespaceCloneFlag(type)) {
              text.Add(NamespaceName(type)).Add(" ");
            }
          }
          StageFail(ctx, sock, kStage, step, -rc, text);
        }
        break;
      }
      case StepKind::kRequest: {
        StageSend(ctx, sock, kStage, step, Type::kRequest,
                  static_cast<int>(step.sync), 0, -1);
        Message m;
        StageAwait(ctx, sock, kStage, step, Type::kAck,
                   static_cast<int>(step.sync), &m, nullptr);
        break;
      }
      case StepKind::kReceiveMountSources: {
        StageSend(ctx, sock, kStage, step, Type::kRequest,
                  static_cast<int>(SyncPoint::kMountSources), 0, -1);
        for (;;) {
          Message m;
          int fd = -1;
          const int rc = sync::Receive(sock, &m, &fd);
          if (rc == 0) _exit(1);
          if (rc < 0) StageFailSimple(ctx, sock, kStage, step, -rc, "receive");
          if (m.type == Type::kAck) {
            if (fd >= 0) close(fd);
            break;
          }
          if (m.type != Type::kMountFd || fd < 0 || m.value < 0 ||
              static_cast<size_t>(m.value) >= plan.mount_source_fds.size()) {
            if (fd >= 0) close(fd);
            StageFailSimple(ctx, sock, kStage, step, EPROTO,
                            "unexpected message while receiving mount "
                            "sources");
          }
          const int target = plan.mount_source_fds[m.value];
          if (fd != target) {
            if (dup3(fd, target, O_CLOEXEC) < 0) {
              const int err = errno;
              close(fd);
              StageFailSimple(ctx, sock, kStage, step, err,
                              "dup3 of a mount source fd");
            }
            close(fd);
          }
        }
        break;
      }
      case StepKind::kCloneInit: {
        int pidfd = -1;
        const pid_t pid = sys::Clone3(CLONE_PARENT | CLONE_PIDFD, &pidfd);
        if (pid == 0) {
          RunInit(ctx);
          return;  // the final process
        }
        if (pid < 0) {
          StageFailSimple(ctx, sock, kStage, step, -pid,
                          "clone3 of stage 2");
        }
        ctx.init_pid = pid;
        ctx.init_pidfd = pidfd;
        sys::CloseFd(&ctx.init_sock[1]);
        break;
      }
      case StepKind::kReportInitPid: {
        Message m;
        m.type = Type::kInitPid;
        m.value = ctx.init_pid;
        const int rc = sync::Send(sock, m, ctx.init_pidfd);
        if (rc < 0) {
          sys::PidfdSendSignal(ctx.init_pidfd, SIGKILL);
          _exit(1);
        }
        StageAwait(ctx, sock, kStage, step, Type::kAck,
                   static_cast<int>(SyncPoint::kInitPid), &m, nullptr);
        break;
      }
      case StepKind::kExitChild:
        StageSend(ctx, sock, kStage, step, Type::kChildFinish, 0, 0, -1);
        _exit(0);
      default:
        StageFailSimple(ctx, sock, kStage, step, 0,
                        "step not valid in stage 1");
    }
  }
  StageFailSimple(ctx, sock, kStage, v1::STEP_PLAN, 0,
                  "plan of stage 1 has no exit step");
}

// For a final process sharing stage 0's memory (FinalSharesMemory): stage
// 0 sets this to 1 and has the kernel clear it when it exits.
int g_stage0_alive = 0;

[[noreturn]] void FinalProcessSharingMemory(void* arg) {
  // Its own copy of the context, on its own stack: stage 0 goes on
  // changing the original (and its stack) while this runs.
  Ctx& ctx = *static_cast<Ctx*>(arg);
  RunInit(ctx);  // FinishMode::kExec does not return: exec left the memory
  // Stage 0 may still be sending, logging, allocating in this memory; once
  // it is gone nothing but this process uses it.
  sys::AwaitCleared(&g_stage0_alive);
  sys::AdoptThreadState(ctx.thread_state);
  sys::RegisterRseq();
  if (ctx.resume != nullptr) ctx.resume();
  __builtin_trap();  // resume must not return
}

// clone3 of the final process with CLONE_VM, on RunOptions::final_stack:
// the pid (and *pidfd) in stage 0, or -errno.
pid_t CloneFinalSharingMemory(Ctx& ctx, uint64_t flags, int* pidfd) {
  constexpr size_t kCtxSize = (sizeof(Ctx) + 15) & ~static_cast<size_t>(15);
  char* top =
      ctx.final_stack + (ctx.final_stack_size & ~static_cast<size_t>(15));
  // Nothing ever destroys the copy: its vectors (FinishMode::kExec's argv
  // and environment; empty otherwise) stay allocated in stage 0, which is
  // spent anyway.
  Ctx* copy = new (top - kCtxSize) Ctx(ctx);
  __atomic_store_n(&g_stage0_alive, 1, __ATOMIC_RELEASE);
  sys::ClearOnExit(&g_stage0_alive);
  return sys::CloneSharingMemory(
      flags, pidfd, ctx.final_stack,
      static_cast<size_t>(top - kCtxSize - ctx.final_stack),
      &FinalProcessSharingMemory, copy);
}

// ---------------------------------------------------------------------------
// Stage 0: an ordinary process; replies go through the sink.

void CloseAll(Ctx& ctx) {
  sys::CloseFd(&ctx.child_sock[0]);
  sys::CloseFd(&ctx.child_sock[1]);
  sys::CloseFd(&ctx.init_sock[0]);
  sys::CloseFd(&ctx.init_sock[1]);
  sys::CloseFd(&ctx.child_pidfd);
  sys::CloseFd(&ctx.init_pidfd);
  sys::CloseFd(&ctx.proc_fd);
  // Join targets stage 0 opened itself (two-process plans); a pidfd the
  // caller passed is left alone on failure.
  for (size_t i = 0; i < ctx.plan->join_targets.size() && i < kMaxTargets;
       ++i) {
    if (ctx.plan->join_targets[i].kind != JoinTarget::Kind::kPidfd) {
      sys::CloseFd(&ctx.ns_fds[i]);
    }
    ctx.ns_fds[i] = -1;
  }
}

void Log(Ctx& ctx, v1::LogLevel level, const std::string& text) {
  if (level > ctx.plan->log_level || ctx.error_sent) return;
  v1::plain::BootstrapReply reply;
  reply.kind = v1::plain::BootstrapReply::Kind::kLog;
  v1::plain::LogRecord& log = reply.log;
  log.level = level;
  log.stage = v1::STAGE_PARENT;
  log.pid = RawGetpid();
  log.message = text;
  // Logs are best effort, as runc's are.
  ctx.sink->Send(reply, Attachments()).IgnoreError();
}

// Kills the stages stage 0 knows, sends the one Error, closes everything.
Status ParentFail(Ctx& ctx, v1::Stage stage, v1::Step step, int err,
                  int32_t pid, absl::string_view what) {
  if (ctx.init_pidfd >= 0) {
    sys::PidfdSendSignal(ctx.init_pidfd, SIGKILL);
    // A final process sharing this memory may still read it (an exec's
    // argv) until it is gone: the caller frees things once Run returns.
    if (ctx.final_shares_memory) sys::AwaitExit(ctx.init_pidfd);
  }
  if (ctx.child_pidfd >= 0) sys::PidfdSendSignal(ctx.child_pidfd, SIGKILL);
  std::string message(what);
  if (err != 0) StrAppend(&message, ": ", sys::Text().AddErrno(err).data());
  const StatusCode code =
      err != 0 ? ErrnoToStatusCode(err) : StatusCode::kInternal;
  if (!ctx.error_sent) {
    ctx.error_sent = true;
    v1::plain::BootstrapReply reply;
    reply.kind = v1::plain::BootstrapReply::Kind::kError;
    v1::plain::Error& error = reply.error;
    error.stage = stage;
    error.step = step;
    error.errno_value = err;
    error.code = static_cast<int>(code);
    error.message = message;
    error.stage1_pid = ctx.child_pid;
    error.stage2_pid = ctx.init_pid;
    Attachments attachments;
    attachments.pid = pid;
    ctx.sink->Send(reply, attachments).IgnoreError();
  }
  CloseAll(ctx);
  return Status(code,
                StrCat(StageName(stage), " ", StepName(step), ": ", message));
}

Status ParentFailHere(Ctx& ctx, const PlanStep& step, int err,
                      absl::string_view what) {
  return ParentFail(ctx, v1::STAGE_PARENT, step.error_step, err, RawGetpid(),
                    what);
}

const char* PeerName(v1::Stage stage) {
  return stage == v1::STAGE_CHILD ? "stage 1 (CHILD)" : "stage 2 (INIT)";
}

// Receives the next message from stage 1 or 2 and checks it is `type`
// (and `sync_point` when >= 0). A kError from the peer becomes the Error.
Status ParentAwait(Ctx& ctx, v1::Stage peer, const PlanStep& step, Type type,
                   int sync_point, Message* m, int* fd) {
  const int sock = peer == v1::STAGE_CHILD ? ctx.child_sock[0]
                                           : ctx.init_sock[0];
  const int rc = sync::Receive(sock, m, fd);
  if (rc == 0) {
    return ParentFail(
        ctx, peer, step.error_step, 0, 0,
        StrCat(PeerName(peer), " exited before ", SyncPointName(step.sync)));
  }
  if (rc < 0) {
    return ParentFail(ctx, peer, step.error_step, -rc, 0,
                      StrCat("receiving from ", PeerName(peer)));
  }
  if (m->type == Type::kError) {
    return ParentFail(ctx, static_cast<v1::Stage>(m->stage),
                      static_cast<v1::Step>(m->step), m->err, m->pid, m->text);
  }
  if (m->type != type || (sync_point >= 0 && m->sync_point != sync_point)) {
    if (fd != nullptr) sys::CloseFd(fd);
    return ParentFail(ctx, peer, v1::STEP_SYNC, EPROTO, 0,
                      StrCat("unexpected message ", static_cast<int>(m->type),
                             " from ", PeerName(peer)));
  }
  return OkStatus();
}

Status ParentSend(Ctx& ctx, v1::Stage peer, const PlanStep& step, Type type,
                  int sync_point, int fd = -1) {
  const int sock = peer == v1::STAGE_CHILD ? ctx.child_sock[0]
                                           : ctx.init_sock[0];
  Message m;
  m.type = type;
  m.sync_point = sync_point;
  const int rc = sync::Send(sock, m, fd);
  if (rc < 0) {
    // A stage that failed on its own before this message sent its error
    // first and exited: that error is the one to report. A peer gone
    // leaves Receive nothing to block on (queued records, then EOF).
    Message error;
    if ((rc == -EPIPE || rc == -ECONNRESET) &&
        sync::Receive(sock, &error, nullptr) == 1 &&
        error.type == Type::kError) {
      return ParentFail(ctx, static_cast<v1::Stage>(error.stage),
                        static_cast<v1::Step>(error.step), error.err,
                        error.pid, error.text);
    }
    return ParentFail(ctx, peer, step.error_step, -rc, 0,
                      StrCat("sending to ", PeerName(peer), " (did it die?)"));
  }
  return OkStatus();
}

std::string ProcFile(pid_t pid, const char* name) {
  return StrCat("/proc/", pid, "/", name);
}

// The process whose /proc files stage 0 writes: stage 1, or the final
// process of a two-process plan.
pid_t OutsidePid(const Ctx& ctx) {
  return ctx.plan->processes == 2 ? ctx.init_pid : ctx.child_pid;
}

// Opens /proc/<pid>/<name> of the caller's /proc (through ctx.proc_fd when
// stage 0 has joined namespaces). fd or -errno.
int OpenProc(const Ctx& ctx, pid_t pid, const char* name, int flags) {
  int fd;
  if (ctx.proc_fd >= 0) {
    fd = openat(ctx.proc_fd, StrCat(pid, "/", name).c_str(), flags | O_CLOEXEC);
  } else {
    fd = open(ProcFile(pid, name).c_str(), flags | O_CLOEXEC);
  }
  return fd < 0 ? -errno : fd;
}

// One write() of `text` to /proc/<pid>/<name>. 0 or -errno.
int WriteProc(const Ctx& ctx, pid_t pid, const char* name,
              const std::string& text) {
  if (ctx.proc_fd < 0) {
    return sys::WriteFile(ProcFile(pid, name).c_str(), text.data(),
                          text.size());
  }
  const int fd = OpenProc(ctx, pid, name, O_WRONLY);
  if (fd < 0) return fd;
  const ssize_t n = write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  close(fd);
  if (n < 0) return -err;
  return static_cast<size_t>(n) == text.size() ? 0 : -EIO;
}

// fork + execve of newuidmap/newgidmap with runc's argv and an empty
// environment; only stdio (stdout/stderr captured) survive into it.
Status RunHelper(const PlanStep& step, pid_t target) {
  std::vector<std::string> args = {step.helper, StrCat(target)};
  args.insert(args.end(), step.helper_args.begin(), step.helper_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  char* envp[] = {nullptr};
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) return ErrnoToStatus(errno, "pipe2");
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(out[0]);
    close(out[1]);
    return ErrnoToStatus(err, "fork");
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    syscall(SYS_close_range, 3, UINT_MAX, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv[0], argv.data(), envp);
    const char msg[] = "execve of the helper failed\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(127);
  }
  close(out[1]);
  std::string output;
  char buf[512];
  for (;;) {
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < 2048) output.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoToStatus(errno, "waitpid");
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\0')) {
    output.pop_back();
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OkStatus();
  const std::string how =
      WIFEXITED(status) ? StrCat("exited with status ", WEXITSTATUS(status))
                        : StrCat("was killed by signal ", WTERMSIG(status));
  return PermissionDeniedError(StrCat(
      step.helper, " ", how, output.empty() ? "" : StrCat(": ", output)));
}

Status WriteMap(Ctx& ctx, const PlanStep& step) {
  const bool uid = step.kind == StepKind::kWriteUidMap;
  const char* file = uid ? "uid_map" : "gid_map";
  const pid_t target = OutsidePid(ctx);
  const std::string path = ProcFile(target, file);
  const int rc = WriteProc(ctx, target, file, step.text);
  if (rc == 0) {
    Log(ctx, v1::LOG_LEVEL_DEBUG, StrCat("wrote ", path));
    return OkStatus();
  }
  if (rc != -EPERM) {
    return ParentFailHere(ctx, step, -rc, StrCat("writing ", path));
  }
  if (step.helper.empty()) {
    return ParentFailHere(
        ctx, step, EPERM,
        StrCat("writing ", path, " (no ",
               uid ? "uidmap_helper" : "gidmap_helper", " to fall back to)"));
  }
  Log(ctx, v1::LOG_LEVEL_DEBUG,
      StrCat("writing ", path, ": EPERM; running ", step.helper));
  const Status helper = RunHelper(step, target);
  if (!helper.ok()) {
    return ParentFailHere(
        ctx, step, EPERM,
        StrCat("writing ", path, " directly failed, and ", helper.message()));
  }
  return OkStatus();
}

Status SendMountSources(Ctx& ctx, const PlanStep& step) {
  const Plan& plan = *ctx.plan;
  const int host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (host_mnt < 0) {
    return ParentFailHere(ctx, step, errno, "open /proc/self/ns/mnt");
  }
  const int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  const std::string child_mnt_path = ProcFile(ctx.child_pid, "ns/mnt");
  const int child_mnt = open(child_mnt_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (child_mnt < 0) {
    const int err = errno;
    close(host_mnt);
    if (cwd >= 0) close(cwd);
    return ParentFailHere(ctx, step, err, StrCat("open ", child_mnt_path));
  }
  int err = 0;
  std::string what;
  if (sys::Setns(child_mnt, CLONE_NEWNS) < 0) {
    err = errno;
    what = "setns to the mount namespace of stage 1";
  }
  for (size_t i = 0; err == 0 && i < plan.mount_sources.size(); ++i) {
    if (plan.mount_sources[i].empty()) continue;
    const int fd = open(plan.mount_sources[i].c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      err = errno;
      what = StrCat("open mount source ", plan.mount_sources[i]);
      break;
    }
    Message m;
    m.type = Type::kMountFd;
    m.value = static_cast<int32_t>(i);
    const int rc = sync::Send(ctx.child_sock[0], m, fd);
    close(fd);
    if (rc < 0) {
      err = -rc;
      what = "sending a mount source fd to stage 1";
    }
  }
  const int back = sys::Setns(host_mnt, CLONE_NEWNS);
  if (cwd >= 0) {
    (void)!fchdir(cwd);
    close(cwd);
  }
  close(host_mnt);
  close(child_mnt);
  if (err == 0 && back < 0) {
    err = -back;
    what = "setns back to the caller's mount namespace";
  }
  if (err != 0) return ParentFailHere(ctx, step, err, what);
  return OkStatus();
}

Status ReplyPids(Ctx& ctx, const PlanStep& step) {
  v1::plain::BootstrapReply reply;
  reply.kind = v1::plain::BootstrapReply::Kind::kPids;
  v1::plain::Pids& pids = reply.pids;
  // Two processes: there is no stage 1, stage1_pid is 0 (native) or the
  // placeholder (runc).
  pids.stage1_pid = ctx.child_pid;
  pids.stage2_pid = ctx.init_pid;
  // runc's PID JSON has no namespace ids: only the native reply reads them,
  // and only when the parent did not skip them.
  if (ctx.plan->reply_namespace_ids) {
    ReadNamespaceIds(ctx.init_pid, ctx.init_pidfd, ctx.proc_fd,
                     NamespaceIdSource::kPidfd, &pids.namespaces);
  }
  // The pidfds of the stages that exist, in stage order.
  const int fds[2] = {ctx.child_pidfd, ctx.init_pidfd};
  const bool two = ctx.plan->processes == 2;
  Attachments attachments;
  if (ctx.plan->reply_pidfds) {
    pids.pidfds_attached = true;
    attachments.fds = two ? absl::Span<const int>(fds + 1, 1)
                          : absl::Span<const int>(fds, 2);
  }
  const Status sent = ctx.sink->Send(reply, attachments);
  if (!sent.ok()) {
    return ParentFailHere(ctx, step, 0,
                          StrCat("sending the pids: ", sent.message()));
  }
  return OkStatus();
}

// Whether stage 0 reads or writes /proc/<pid>/ files after its joins: the
// namespace ids, the maps, setgroups, the time offsets, the mount sources.
bool UsesProcAfterJoins(const Plan& plan) {
  if (plan.reply_namespace_ids) return true;
  for (const PlanStep& s : plan.stages[0].steps) {
    switch (s.kind) {
      case StepKind::kWriteSetgroups:
      case StepKind::kWriteUidMap:
      case StepKind::kWriteGidMap:
      case StepKind::kWriteTimeOffsets:
      case StepKind::kSendMountSources:
        return true;
      default:
        break;
    }
  }
  return false;
}

// Stage 0 of a two-process plan: open every join target before any setns,
// and the caller's /proc, which a joined mount namespace would hide, when a
// later step needs it.
Status ParentOpenNamespaces(Ctx& ctx, const PlanStep& step) {
  const Plan& plan = *ctx.plan;
  if (plan.join_targets.size() > kMaxTargets) {
    return ParentFailHere(ctx, step, E2BIG, "too many targets");
  }
  if (UsesProcAfterJoins(plan)) {
    ctx.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ctx.proc_fd < 0) {
      return ParentFailHere(ctx, step, errno, "open /proc");
    }
  }
  for (size_t i = 0; i < plan.join_targets.size(); ++i) {
    const JoinTarget& target = plan.join_targets[i];
    const int fd = OpenJoinTarget(target);
    if (fd < 0) {
      char what[160];
      return ParentFailHere(
          ctx, step, -fd,
          StrCat("open ", TargetDescription(target, what, sizeof(what))));
    }
    ctx.ns_fds[i] = fd;
    if (v1::LOG_LEVEL_DEBUG <= plan.log_level) {
      char what[160];
      Log(ctx, v1::LOG_LEVEL_DEBUG,
          StrCat("opened ", TargetDescription(target, what, sizeof(what))));
    }
  }
  return OkStatus();
}

StatusOr<RunOutcome> RunParent(Ctx& ctx) {
  const Plan& plan = *ctx.plan;
  for (const PlanStep& step : plan.stages[0].steps) {
    switch (step.kind) {
      case StepKind::kSetName:
        if (sys::SetName(step.text.c_str()) < 0) {
          return ParentFailHere(ctx, step, errno, "prctl(PR_SET_NAME)");
        }
        break;
      case StepKind::kSetParentDeathSignal: {
        const int rc = sys::SetParentDeathSignal(static_cast<int>(step.value),
                                                 ctx.host_pid);
        if (rc < 0) {
          return ParentFailHere(ctx, step, -rc, "prctl(PR_SET_PDEATHSIG)");
        }
        break;
      }
      case StepKind::kReplyReady: {
        v1::plain::BootstrapReply reply;
        reply.kind = v1::plain::BootstrapReply::Kind::kReady;
        for (uint32_t v : kSupportedSchemaVersions) {
          reply.ready.schema_versions.push_back(v);
        }
        const Status sent = ctx.sink->Send(reply, Attachments());
        if (!sent.ok()) {
          return ParentFailHere(ctx, step, 0,
                                StrCat("sending ready: ", sent.message()));
        }
        break;
      }
      case StepKind::kWriteOomScoreAdj: {
        const int rc = sys::WriteFile("/proc/self/oom_score_adj",
                                      step.text.data(), step.text.size());
        if (rc < 0) {
          return ParentFailHere(ctx, step, -rc,
                                "writing /proc/self/oom_score_adj");
        }
        break;
      }
      case StepKind::kSetDumpable: {
        const int rc = sys::SetDumpable(static_cast<int>(step.value));
        if (rc < 0) return ParentFailHere(ctx, step, -rc, "prctl(PR_SET_DUMPABLE)");
        break;
      }
      case StepKind::kCloneChild: {
        // Buffered stdio would otherwise be flushed twice.
        fflush(nullptr);
        int pidfd = -1;
        const pid_t pid = sys::Clone3(ctx.clone_parent | CLONE_PIDFD, &pidfd);
        if (pid == 0) {
          RunChild(ctx);
          return RunOutcome::kFinalProcess;
        }
        if (pid < 0) return ParentFailHere(ctx, step, -pid, "clone3 of stage 1");
        ctx.child_pid = pid;
        ctx.child_pidfd = pidfd;
        sys::CloseFd(&ctx.child_sock[1]);
        sys::CloseFd(&ctx.init_sock[1]);
        Log(ctx, v1::LOG_LEVEL_DEBUG, StrCat("stage 1 (CHILD) is pid ", pid));
        break;
      }
      case StepKind::kOpenNamespaces:
        NSBOOT_RETURN_IF_ERROR(ParentOpenNamespaces(ctx, step));
        break;
      case StepKind::kJoin: {
        const size_t i = static_cast<size_t>(step.value);
        const JoinTarget& target = plan.join_targets[i];
        const int rc = sys::Setns(ctx.ns_fds[i],
                                  static_cast<int>(target.clone_flags));
        if (rc < 0) {
          char what[160];
          return ParentFailHere(
              ctx, step, -rc,
              StrCat("setns to ",
                     TargetDescription(target, what, sizeof(what))));
        }
        break;
      }
      case StepKind::kCloseNamespaces:
        // Consumed, as stage 1 does: a pidfd the caller passed included.
        for (size_t i = 0; i < plan.join_targets.size() && i < kMaxTargets;
             ++i) {
          sys::CloseFd(&ctx.ns_fds[i]);
        }
        break;
      case StepKind::kCloneFinal: {
        fflush(nullptr);
        const uint64_t flags =
            ctx.clone_parent | CLONE_PIDFD | static_cast<uint64_t>(step.value);
        int pidfd = -1;
        pid_t pid = -EINVAL;
        if (ctx.final_shares_memory) {
          pid = CloneFinalSharingMemory(ctx, flags, &pidfd);
        }
        // A copy: not asked for, or CLONE_VM refused for a reason
        // FinalSharesMemory does not know (a fork then fails the same way
        // if the flags themselves are wrong).
        if (pid == -EINVAL) {
          ctx.final_shares_memory = false;
          pid = sys::Clone3(flags, &pidfd);
          if (pid == 0) {
            RunInit(ctx);
            return RunOutcome::kFinalProcess;
          }
        }
        if (pid < 0) {
          return ParentFailHere(
              ctx, step, -pid,
              StrCat("clone3 of stage 2", step.value == 0 ? "" : " into new ",
                     step.value == 0 ? "" : CloneFlagsNames(step.value)));
        }
        ctx.init_pid = pid;
        ctx.init_pidfd = pidfd;
        sys::CloseFd(&ctx.init_sock[1]);
        Log(ctx, v1::LOG_LEVEL_DEBUG, StrCat("stage 2 (INIT) is pid ", pid));
        break;
      }
      case StepKind::kClonePlaceholder: {
        const pid_t pid = sys::CloneExitingSibling(step.value != 0);
        if (pid < 0) {
          return ParentFailHere(ctx, step, -pid,
                                "clone3 of the stage-1 placeholder");
        }
        ctx.child_pid = pid;
        break;
      }
      case StepKind::kAwait: {
        Message m;
        if (step.sync == SyncPoint::kInitPid) {
          int fd = -1;
          NSBOOT_RETURN_IF_ERROR(ParentAwait(ctx, v1::STAGE_CHILD, step,
                                              Type::kInitPid, -1, &m, &fd));
          ctx.init_pid = m.value;
          ctx.init_pidfd = fd;
          if (fd < 0 || m.value <= 0) {
            return ParentFail(ctx, v1::STAGE_CHILD, v1::STEP_SYNC, EPROTO, 0,
                              "stage 1 reported no pid or pidfd of stage 2");
          }
          Log(ctx, v1::LOG_LEVEL_DEBUG,
              StrCat("stage 2 (INIT) is pid ", m.value));
        } else if (step.sync == SyncPoint::kChildFinish) {
          NSBOOT_RETURN_IF_ERROR(ParentAwait(ctx, v1::STAGE_CHILD, step,
                                              Type::kChildFinish, -1, &m,
                                              nullptr));
        } else {
          NSBOOT_RETURN_IF_ERROR(ParentAwait(ctx, v1::STAGE_CHILD, step,
                                              Type::kRequest,
                                              static_cast<int>(step.sync), &m,
                                              nullptr));
        }
        break;
      }
      case StepKind::kAck:
        NSBOOT_RETURN_IF_ERROR(ParentSend(ctx, v1::STAGE_CHILD, step,
                                           Type::kAck,
                                           static_cast<int>(step.sync)));
        break;
      case StepKind::kWriteSetgroups: {
        const std::string path = ProcFile(OutsidePid(ctx), "setgroups");
        const int rc = WriteProc(ctx, OutsidePid(ctx), "setgroups", step.text);
        if (rc < 0) {
          return ParentFailHere(ctx, step, -rc, StrCat("writing ", path));
        }
        break;
      }
      case StepKind::kWriteUidMap:
      case StepKind::kWriteGidMap:
        NSBOOT_RETURN_IF_ERROR(WriteMap(ctx, step));
        break;
      case StepKind::kWriteTimeOffsets: {
        const std::string path = ProcFile(OutsidePid(ctx), "timens_offsets");
        const int rc =
            WriteProc(ctx, OutsidePid(ctx), "timens_offsets", step.text);
        if (rc < 0) {
          return ParentFailHere(ctx, step, -rc, StrCat("writing ", path));
        }
        break;
      }
      case StepKind::kSendMountSources:
        NSBOOT_RETURN_IF_ERROR(SendMountSources(ctx, step));
        break;
      case StepKind::kReplyPids:
        NSBOOT_RETURN_IF_ERROR(ReplyPids(ctx, step));
        break;
      case StepKind::kReleaseInit:
        NSBOOT_RETURN_IF_ERROR(
            ParentSend(ctx, v1::STAGE_INIT, step, Type::kRelease, 0));
        break;
      case StepKind::kAwaitInit: {
        if (ctx.skip_init_finish) break;
        Message m;
        NSBOOT_RETURN_IF_ERROR(ParentAwait(ctx, v1::STAGE_INIT, step,
                                            Type::kInitFinish, -1, &m,
                                            nullptr));
        if (plan.finish == FinishMode::kExec) {
          // EOF: the O_CLOEXEC socket closed in a successful execve.
          const int rc = sync::Receive(ctx.init_sock[0], &m, nullptr);
          if (rc != 0) {
            if (rc > 0 && m.type == Type::kError) {
              return ParentFail(ctx, static_cast<v1::Stage>(m.stage),
                                static_cast<v1::Step>(m.step), m.err, m.pid,
                                m.text);
            }
            return ParentFail(ctx, v1::STAGE_INIT, step.error_step,
                              rc < 0 ? -rc : EPROTO, 0,
                              "stage 2 did not exec");
          }
        }
        Log(ctx, v1::LOG_LEVEL_DEBUG, "stage 2 (INIT) finished its part");
        break;
      }
      case StepKind::kParentDone:
        CloseAll(ctx);
        return RunOutcome::kParentDone;
      default:
        return ParentFailHere(ctx, step, 0,
                              StrCat("step ", StepKindName(step.kind),
                                     " is not valid in stage 0"));
    }
  }
  return ParentFail(ctx, v1::STAGE_PARENT, v1::STEP_PLAN, 0, RawGetpid(),
                    "plan of stage 0 has no parent-done step");
}

}  // namespace

bool FinalSharesMemory(const Plan& plan, const RunOptions& options) {
  if (options.final_stack == nullptr ||
      options.final_stack_size < kMinFinalStackSize ||
      reinterpret_cast<uintptr_t>(options.final_stack) % 16 != 0 ||
      !sys::CanCloneSharingMemory()) {
    return false;
  }
  if (plan.processes != 2) return false;
  if (plan.finish == FinishMode::kReturn &&
      (options.resume == nullptr || options.stages_are_callers_children)) {
    return false;
  }
  for (const PlanStep& step : plan.stages[0].steps) {
    if (step.kind == StepKind::kCloneFinal && (step.value & CLONE_NEWTIME)) {
      return false;
    }
  }
  return true;
}

StatusOr<RunOutcome> Run(const Plan& plan, const RunOptions& options,
                         ReplySink& sink) {
  Ctx ctx;
  ctx.plan = &plan;
  ctx.sink = &sink;
  ctx.host_pid = RawGetppid();
  if (options.stages_are_callers_children) {
    if (plan.protocol != ReplyProtocol::kNative) {
      return ParentFail(ctx, v1::STAGE_PARENT, v1::STEP_PLAN, 0, RawGetpid(),
                        "RunOptions.stages_are_callers_children is for the "
                        "native protocol (runc reaps the stages itself)");
    }
    ctx.stages_parent = RawGetpid();
  } else {
    ctx.stages_parent = ctx.host_pid;
    ctx.clone_parent = CLONE_PARENT;
  }
  for (int i = 0; i < kMaxTargets; ++i) {
    ctx.ns_fds[i] = -1;
    ctx.deferred[i] = false;
  }
  if (plan.finish == FinishMode::kExec) {
    if (options.exec_path.empty() || options.exec_argv.empty()) {
      return ParentFail(ctx, v1::STAGE_PARENT, v1::STEP_PLAN, 0, RawGetpid(),
                        "finish exec needs RunOptions.exec_path and exec_argv");
    }
    ctx.exec_path = options.exec_path.c_str();
    for (const std::string& a : options.exec_argv) {
      ctx.exec_argv.push_back(const_cast<char*>(a.c_str()));
    }
    ctx.exec_argv.push_back(nullptr);
    if (options.exec_envp.has_value()) {
      for (const std::string& e : *options.exec_envp) {
        ctx.exec_envp.push_back(const_cast<char*>(e.c_str()));
      }
      ctx.exec_envp.push_back(nullptr);
      ctx.exec_env = ctx.exec_envp.data();
    } else {
      ctx.exec_env = environ;
    }
  }
  if (FinalSharesMemory(plan, options)) {
    ctx.final_shares_memory = true;
    ctx.final_stack = options.final_stack;
    ctx.final_stack_size = options.final_stack_size;
    ctx.resume = options.resume;
  }
  ctx.thread_state = sys::GetThreadState();
  ctx.skip_init_finish = InitFinishSkippable(plan) && sys::IdsAreAllZero();
  // A two-process plan has no stage 1 to talk to.
  int rc = plan.processes == 2 ? 0 : sync::Pair(ctx.child_sock);
  if (rc == 0) rc = sync::Pair(ctx.init_sock);
  if (rc < 0) {
    return ParentFail(ctx, v1::STAGE_PARENT, v1::STEP_SYNC, -rc, RawGetpid(),
                      "socketpair");
  }
  return RunParent(ctx);
}

}  // namespace executor
}  // namespace nsboot
