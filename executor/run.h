// Runs a Plan (executor/plan.h) with real stage processes.
//
//   NSBOOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(request, plan_options));
//   RuncReplySink sink(init_fd, log_fd);          // or embed::FrameReplySink
//   StatusOr<RunOutcome> outcome = Run(plan, RunOptions(), sink);
//   if (!outcome.ok()) _exit(1);                  // stage 0; error already
//   sent if (*outcome == RunOutcome::kParentDone) _exit(0);
//   // RunOutcome::kFinalProcess: main() continues inside the namespaces.
//
// The calling process becomes stage 0 (PARENT); stages 1 and 2 are created
// with clone3(CLONE_PARENT), so they are children of the caller's parent,
// which must reap them (as runc's parent does). In a two-process plan
// (Plan::processes == 2) there is no stage 1: stage 0 joins namespaces
// itself and clones stage 2. Run must be called in a single-threaded
// process, and that process is spent when Run returns in it: it may have
// joined namespaces, gone non-dumpable or lost its parent-death signal, so
// it exits (0 for kParentDone, 1 on error) rather than carry on, and with
// RunOptions::resume it must exit through _exit (below). Embedders
// that want to carry on fork first and call Run in the child. A parent that
// only waits for the stages, as `nsboot run` does, may instead be stage 0
// itself with RunOptions::stages_are_callers_children (below).
//
// Failures: every failure, in any stage, ends as exactly one Error reply sent
// by stage 0 (stage, step, errno, message), after stage 0 has SIGKILLed the
// stages it knows; then Run returns that error in stage 0. Stages 1 and 2
// never return on failure (they report to stage 0 and _exit(1)); a stage
// whose peer dies sees EOF on its sync socket and exits. Nothing blocks
// forever on a dead peer.
//
// Descriptors: every fd the executor creates is O_CLOEXEC and closed before
// the final process returns or execs. The final process keeps what the
// caller had open (stdio, the init pipe, the log pipe) and, for runc 1.1,
// the mount-source fds at PlanOptions::mount_source_fds. Join targets given
// as pidfds are closed after the join (in stage 1, or in stage 0 of a
// two-process plan).
#ifndef NSBOOT_EXECUTOR_RUN_H_
#define NSBOOT_EXECUTOR_RUN_H_

#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "common/status.h"
#include "executor/plan.h"
#include "executor/reply_sink.h"

namespace nsboot {
namespace executor {

struct RunOptions {
  // FinishMode::kExec: the program to execve and its argv (argv[0]
  // included). exec_envp: the environment; nullopt keeps the caller's.
  std::string exec_path;
  std::vector<std::string> exec_argv;
  absl::optional<std::vector<std::string>> exec_envp;

  // The caller is stage 0 and also the stages' parent: stage 1 and the
  // final process are cloned without CLONE_PARENT, so they are the caller's
  // children (stage 2 of a three-process plan too: stage 1 clones it with
  // CLONE_PARENT), and the caller reaps them. After Run returns, the caller
  // must do nothing but wait for them and exit (Run's process is spent as
  // above); it should clear its parent-death signal first (stage 0's step
  // set it) unless it wants to die with its own parent. The native protocol
  // only: runc's parent reaps the stages itself.
  bool stages_are_callers_children = false;

  // A final process that shares stage 0's memory instead of a copy of it:
  // clone3 with CLONE_VM, so no page tables are copied, no page is faulted
  // in twice or copied on write, and one address space is torn down instead
  // of two (~0.1 ms per bootstrap on the benchmark machine;
  // docs/BENCHMARKS.md, session 9). To ask for it:
  //   final_stack, final_stack_size: memory for the final process's stack
  //     while it runs its part of the plan (16-byte aligned, a multiple of
  //     16, at least kMinFinalStackSize; the executor's code there is
  //     shallow and allocates nothing). FinishMode::kExec needs no more:
  //     the final process leaves the memory by its exec, and Run returns in
  //     stage 0 only after that exec (or after the final process is gone).
  //   resume, for FinishMode::kReturn: called in the final process, on that
  //     stack, once its part is done and stage 0 has exited (the kernel's
  //     clear-tid store at exit: nothing else touches the memory from then
  //     on). It must not return: it goes back to the caller's own stack
  //     above Run, e.g. with __builtin_longjmp to a __builtin_setjmp made
  //     before calling Run, and carries on there as the final process. Run
  //     never returns in that final process. Stage 0 must then leave
  //     through _exit (not exit: no atexit handlers, no static destructors
  //     in the memory the final process keeps) without returning past that
  //     setjmp.
  // While both run, they share errno and the rest of the thread's state:
  // the final process's steps allocate nothing and read only what stage 0
  // no longer changes. Used where FinalSharesMemory (below) says so;
  // otherwise the final process is a fork, as without these.
  char* final_stack = nullptr;
  size_t final_stack_size = 0;
  void (*resume)() = nullptr;
};

constexpr size_t kMinFinalStackSize = 16 << 10;

// Whether Run gives `plan`'s final process stage 0's memory with `options`:
// they ask for it (final_stack and final_stack_size; resume too for
// FinishMode::kReturn), the build can (x86-64, no sanitizer), and the plan
// allows it: two processes; for kReturn, stages not the caller's children
// (stage 0 would wait for a final process that waits for stage 0); and no
// new time namespace (the kernel refuses CLONE_VM into one).
bool FinalSharesMemory(const Plan& plan, const RunOptions& options);

enum class RunOutcome {
  // In stage 0: stage 2 finished its part (returned or exec'd). The caller
  // must exit 0 (runc's parent waits for that exit).
  kParentDone,
  // In the final process (FinishMode::kReturn): continue into main().
  kFinalProcess,
};

StatusOr<RunOutcome> Run(const Plan& plan, const RunOptions& options,
                         ReplySink& sink);

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_RUN_H_
