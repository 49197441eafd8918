// nsboot_premain: environment -> (seal) -> read request -> plan -> run.
//
// This runs before main(), often before the host's own static constructors.
// It keeps to what is safe there: libc, and the codec/executor libraries,
// which need only the runtime libraries' initializers (see constructor.cc).
// Nothing on this path uses protobuf's runtime: requests decode into the
// plain structs of proto/nsboot/v1/plain.h and replies are encoded by
// codec/wire.h, so a host that links the hook does not pay protobuf's
// start-up (descriptor registration, a multi-megabyte image) at every exec;
// //embed:link_test checks that no protobuf symbol is linked.
// Every failure is reported to the parent and ends the process with status
// 1; nothing falls through into main() outside the requested namespaces.
// Where the plan allows, the final process shares stage 0's memory instead
// of a copy (executor::RunOptions::resume) and comes back to main()'s
// stack through RunHookOrResume once stage 0 has exited.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "codec/decode_error.h"
#include "codec/reader.h"
#include "common/status.h"
#include "common/str_cat.h"
#include "embed/environment.h"
#include "embed/frame_reply_sink.h"
#include "embed/include/nsboot/nsboot.h"
#include "embed/private_runtime.h"
#include "embed/sealed_exe.h"
#include "executor/plan.h"
#include "executor/proc_joins.h"
#include "executor/reply_sink.h"
#include "executor/run.h"
#include "executor/runc_replies.h"

extern char** environ;

namespace nsboot {
namespace embed {
namespace {

// Set in the environment of the sealed re-execution. Together with a
// read-only /proc/self/exe it says "this copy is ours" (runc 1.1 uses
// _LIBCONTAINER_CLONED_BINARY the same way); a fully sealed memfd needs no
// marker, since nothing can write it whoever made it.
constexpr char kSealedMarker[] = "_NSBOOT_SEALED_EXE";

v1::plain::BootstrapReply MakeError(v1::Step step, const Status& status) {
  v1::plain::BootstrapReply reply;
  reply.kind = v1::plain::BootstrapReply::Kind::kError;
  v1::plain::Error& error = reply.error;
  error.stage = v1::STAGE_READER;
  error.step = step;
  error.code = static_cast<int32_t>(status.code());
  error.message = std::string(status.message());
  if (auto offset = codec::DecodeErrorOffset(status)) {
    error.byte_offset = *offset;
  }
  return reply;
}

// Reports a failure before any stage exists and ends the process.
[[noreturn]] void Fail(executor::ReplySink* sink, v1::Step step,
                       const Status& status) {
  bool sent = false;
  if (sink != nullptr) {
    executor::Attachments none;
    none.pid = getpid();
    sent = sink->Send(MakeError(step, status), none).ok();
  }
  if (!sent) {
    std::string line =
        StrCat("FATAL: nsboot[", getpid(), "]: ", status.message(), "\n");
    ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
  }
  _exit(1);
}

bool IsSealed() {
  // Without the marker only a sealed memfd counts: a cheap look at the
  // link's name first, the full check only for a memfd.
  if (getenv(kSealedMarker) == nullptr) {
    constexpr char kMemfd[] = "/memfd:";
    char link[sizeof(kMemfd)];
    if (readlink("/proc/self/exe", link, sizeof(link)) !=
            static_cast<ssize_t>(sizeof(link)) ||
        memcmp(link, kMemfd, sizeof(kMemfd) - 1) != 0) {
      return false;
    }
  }
  switch (RunningFromSealedExe()) {
    case SealMethod::kMemfd:
      return true;
    case SealMethod::kOverlayfs:
    case SealMethod::kReadOnly:  // also what a bind clone looks like
      return getenv(kSealedMarker) != nullptr;
    case SealMethod::kBindClone:  // never reported by RunningFromSealedExe
    case SealMethod::kNone:
      break;
  }
  return false;
}

// The embedder's choice (nsboot_seal_method); anything unknown gets the
// strongest method.
SealMethod FirstSealMethod() {
  switch (nsboot_seal_method) {
    case NSBOOT_SEAL_BIND:
      return SealMethod::kBindClone;
    case NSBOOT_SEAL_MEMFD:
      return SealMethod::kMemfd;
    default:
      return SealMethod::kOverlayfs;
  }
}

// Where the final process resumes when it shares stage 0's memory
// (executor::RunOptions::resume): __builtin_setjmp in RunHookOrResume,
// whose frame stage 0 never leaves (it _exits deeper down), so it is intact
// when the final process comes back to it after stage 0 has exited.
void* g_resume[5];

[[noreturn]] void ResumeFinalProcess() { __builtin_longjmp(g_resume, 1); }

// The final process's stack until it resumes: from the hook's arena, which
// goes back with the rest of the hook's memory before main().
constexpr size_t kFinalStackSize = 32 << 10;

// The in-place seal's detached mount (SealInPlace): closing it waits for an
// RCU grace period, so stage 0 keeps it until it exits, and the final
// process closes its copy (not the last) before main().
int g_seal_mount_fd = -1;

// Makes the process run from a sealed copy unless it already does: in place
// when it can (no exec: SealInPlace), else by re-executing. Returns only
// when sealed (or with an error).
Status EnsureSealed(char** argv) {
  if (IsSealed()) {
    unsetenv(kSealedMarker);  // not for the workload's environment
    return OkStatus();
  }
  // In place needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) and a binary it
  // can remap; anything else re-executes, which also works unprivileged.
  if (nsboot_seal_in_place != 0 &&
      SealInPlace(FirstSealMethod(), &g_seal_mount_fd) == 0) {
    return OkStatus();
  }
  if (argv == nullptr || argv[0] == nullptr) {
    return FailedPreconditionError(
        "cannot re-execute from a sealed binary: argv unavailable");
  }
  if (setenv(kSealedMarker, "1", 1) != 0) {
    return InternalError("setenv failed");
  }
  SealMethod tried = SealMethod::kNone;
  // Overlayfs and bind clones need CAP_SYS_ADMIN; ReexecSealed falls back
  // to a memfd.
  int err = ReexecSealed(argv, environ, FirstSealMethod(), &tried);
  return InternalError(StrCat("re-executing from a sealed copy of the binary (",
                              SealMethodName(tried), "): ", strerror(-err)));
}

int RunHook(char** argv) {
  StatusOr<HookEnvironment> parsed = ParseHookEnvironment(
      [](const char* name) -> const char* { return getenv(name); },
      nsboot_runc_dialect);
  if (!parsed.ok()) Fail(nullptr, v1::STEP_READ_REQUEST, parsed.status());
  const HookEnvironment& env = *parsed;
  if (env.contract == Contract::kNone) return NSBOOT_INERT;

  executor::RuncReplySink runc_sink(env.init_fd, env.log_fd);
  FrameReplySink native_sink(env.init_fd);
  executor::ReplySink* sink = env.contract == Contract::kRunc
                                  ? static_cast<executor::ReplySink*>(&runc_sink)
                                  : &native_sink;

  const bool runc11 = env.contract == Contract::kRunc &&
                      env.dialect == codec::RuncDialect::kRunc11;
  bool sealed = false;
  if (runc11 || env.seal_requested) {
    Status status = EnsureSealed(argv);
    if (!status.ok()) Fail(sink, v1::STEP_SEAL_EXE, status);
    sealed = true;
  }

  // Only now (the sealed re-execution needs the pipes): the init and log
  // pipes must not leak into anything the bootstrap execs (the mapping
  // helpers). The final process still has them: CLOEXEC acts only on exec.
  if (fcntl(env.init_fd, F_SETFD, FD_CLOEXEC) != 0) {
    Fail(nullptr, v1::STEP_READ_REQUEST,
         InvalidArgumentError(
             StrCat("init pipe fd ", env.init_fd, ": ", strerror(errno))));
  }
  if (env.log_fd >= 0) fcntl(env.log_fd, F_SETFD, FD_CLOEXEC);

  codec::ReaderOptions reader;
  reader.runc_dialect = env.dialect;
  reader.accept_netlink = env.contract == Contract::kRunc;
  reader.accept_frame = env.contract == Contract::kNative;
  StatusOr<codec::ReadResult> read =
      codec::ReadRequestFromFd(env.init_fd, reader);
  if (!read.ok()) {
    Fail(sink,
         read.status().code() == StatusCode::kInvalidArgument
             ? v1::STEP_DECODE
             : v1::STEP_READ_REQUEST,
         read.status());
  }
  v1::plain::BootstrapRequest& request = read->request;
  // runc sends /proc/N/ns/* paths of one process: one setns by pid instead.
  executor::JoinProcPathsByPid(&request);
  if (request.options_or_default().seal_exe && !sealed) {
    Fail(sink, v1::STEP_SEAL_EXE,
         FailedPreconditionError(
             "options.seal_exe: not running from a sealed binary; the parent "
             "must set NSBOOT_SEAL_EXE=1 (or seal the binary itself)"));
  }

  executor::PlanOptions options;
  options.exe_sealed = sealed;
  options.finish = executor::FinishMode::kReturn;
  if (env.contract == Contract::kRunc) {
    options.protocol = runc11 ? executor::ReplyProtocol::kRunc11
                              : executor::ReplyProtocol::kRunc12;
    options.process_names = {"runc:[0:PARENT]", "runc:[1:CHILD]",
                             "runc:[2:INIT]"};
    options.new_session = true;
    // nsexec logs everything up to debug unless told otherwise.
    options.default_log_level = env.log_level != v1::LOG_LEVEL_UNSPECIFIED
                                    ? env.log_level
                                    : v1::LOG_LEVEL_DEBUG;
    if (!request.mount_sources.empty()) {
      if (!env.has_mount_fds) {
        Fail(sink, v1::STEP_MOUNT_SOURCES,
             InvalidArgumentError(
                 "mount sources sent without _LIBCONTAINER_MOUNT_FDS"));
      }
      options.mount_source_fds = env.mount_fds;
    }
  } else {
    options.protocol = executor::ReplyProtocol::kNative;
  }
  StatusOr<executor::Plan> plan = executor::MakePlan(request, options);
  if (!plan.ok()) Fail(sink, v1::STEP_PLAN, plan.status());

  // Destroyed when RunHook returns in a final process that is a fork;
  // one that shares stage 0's memory never comes back here.
  const std::unique_ptr<char[]> final_stack(new char[kFinalStackSize]);
  executor::RunOptions run_options;
  run_options.final_stack = final_stack.get();
  run_options.final_stack_size = kFinalStackSize;
  run_options.resume = &ResumeFinalProcess;
  StatusOr<executor::RunOutcome> outcome =
      executor::Run(*plan, run_options, *sink);
  // Stage 0 leaves through _exit only: a final process sharing its memory
  // resumes in it (no exit handler, no destructor may run here).
  if (!outcome.ok()) _exit(1);  // stage 0: the Error reply is already sent
  if (*outcome == executor::RunOutcome::kParentDone) _exit(0);
  return NSBOOT_FINAL;
}

// The final process's last step before main(), however it got here.
int FinishFinalProcess() {
  if (g_seal_mount_fd >= 0) {
    close(g_seal_mount_fd);
    g_seal_mount_fd = -1;
  }
  return NSBOOT_FINAL;
}

// RunHook, or the final process resumed here by ResumeFinalProcess. Not
// inlined: its frame is the one __builtin_longjmp comes back to.
__attribute__((noinline)) int RunHookOrResume(char** argv) {
  if (__builtin_setjmp(g_resume) != 0) {
    // The final process, on this stack again; RunHook's frames below are
    // stage 0's leftovers, and the hook's objects in them go with the
    // hook's memory (nsboot_release_hook_memory).
    return FinishFinalProcess();
  }
  const int result = RunHook(argv);
  return result == NSBOOT_FINAL ? FinishFinalProcess() : result;
}

}  // namespace
}  // namespace embed
}  // namespace nsboot

// `hot` for the reason NamesInitPipe is (embed/environment.h).
extern "C" __attribute__((hot)) int nsboot_premain(int argc, char** argv,
                                                   char** envp) {
  (void)argc;
  (void)envp;  // the environment is read through getenv/environ
  static int result = -1;
  if (result >= 0) return result;
  // The inert path, taken by every ordinary run of a host like runc: one
  // pass over environ and nothing else.
  if (!nsboot::embed::NamesInitPipe(environ)) return result = NSBOOT_INERT;
  result = nsboot::embed::RunHookOrResume(argv);
  // RunHookOrResume returns in the final process only (the stages _exit)
  // or when the hook stayed inert, with every object of the hook destroyed
  // (or, in a final process that shared stage 0's memory, left in the
  // hook's arena): main() starts with the hook's memory gone.
  if (nsboot_release_hook_memory != nullptr) nsboot_release_hook_memory();
  return result;
}

extern "C" const char* nsboot_version(void) {
  return "nsboot 0.1.0; schema versions 1, 2";
}
