// The raw system-call layer of the run: thin wrappers that allocate nothing,
// take no locks and return -errno, usable between clone and exec.
#ifndef NSBOOT_EXECUTOR_SYS_H_
#define NSBOOT_EXECUTOR_SYS_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace nsboot {
namespace executor {
namespace sys {

// A fixed-size text buffer that silently truncates; never allocates.
class Text {
 public:
  static constexpr size_t kCapacity = 200;

  Text() { buf_[0] = '\0'; }
  Text& Add(const char* s);
  Text& Add(const char* s, size_t n);
  Text& AddInt(int64_t v);
  // strerrordesc_np (no locale, no allocation), or "errno N".
  Text& AddErrno(int err);
  const char* data() const { return buf_; }
  size_t size() const { return len_; }

 private:
  char buf_[kCapacity + 1];
  size_t len_ = 0;
};

// clone3 without CLONE_VM (a fork): returns the child's pid in the parent
// and 0 in the child, or -errno. With CLONE_PIDFD in `flags`, *pidfd gets a
// CLOEXEC pidfd of the child.
pid_t Clone3(uint64_t flags, int* pidfd);

// A child of the caller's parent (CLONE_PARENT) that exits at once with
// status 0: the stage-1 pid the runc protocols report in a two-process
// bootstrap, for their parent to reap. The caller does not wait for it.
// With `share_memory` it shares the caller's memory and runs no code but the
// exit (CLONE_VM, signals blocked), so no page table is copied; until it has
// exited, the caller counts as sharing its memory (setns to a time namespace
// fails with EUSERS). Without, it is a fork. Returns its pid or -errno.
pid_t CloneExitingSibling(bool share_memory);

// Whether this build has CloneSharingMemory (x86-64, not under a
// sanitizer: their runtimes keep per-thread state that two processes
// sharing one thread's memory would corrupt).
bool CanCloneSharingMemory();

// clone3 with CLONE_VM and `flags` (CLONE_PIDFD as in Clone3): a child that
// shares the caller's memory and starts on its own stack, the
// `stack_size` bytes at `stack` (16-byte aligned, a multiple of 16), by
// calling child(arg), which must not return. Returns the child's pid in
// the caller, or -errno (-ENOSYS without CanCloneSharingMemory).
pid_t CloneSharingMemory(uint64_t flags, int* pidfd, char* stack,
                         size_t stack_size, void (*child)(void*), void* arg);

// set_tid_address(word): when the caller exits while another process
// shares its memory, the kernel stores 0 at `word` and wakes its futex
// (how pthread_join learns that a thread is gone), after the caller's last
// access to that memory.
void ClearOnExit(int* word);

// Blocks until *word is 0 (ClearOnExit's store).
void AwaitCleared(const int* word);

// Registers glibc's rseq area of the calling thread with the kernel, for a
// process that started with CLONE_VM (the kernel registers nothing for such
// a child) and now owns the memory alone. If the kernel refuses, marks the
// area unregistered, so that glibc falls back to system calls.
void RegisterRseq();

// What glibc told the kernel about the calling thread at start-up: where
// it keeps the thread's id (set_tid_address; PR_GET_TID_ADDRESS reads it
// back) and its robust-futex list (get_robust_list). A process cloned by a
// raw clone3 gets neither: AdoptThreadState makes them its own, as glibc's
// fork does for its child. Null fields: the kernel would not say.
struct ThreadState {
  int* tid_address = nullptr;
  void* robust_head = nullptr;
  size_t robust_len = 0;
};
ThreadState GetThreadState();

// In a process cloned with `state` from its parent: stores its own thread
// id at state.tid_address (glibc's pthread_self()->tid, which mutex owners
// and robust futexes are checked against), has the kernel clear it at exit,
// and registers the robust list.
void AdoptThreadState(const ThreadState& state);

// Blocks until the process of `pidfd` has exited (poll; EINTR retried).
void AwaitExit(int pidfd);

int PidfdOpen(pid_t pid);                // fd or -errno
int PidfdSendSignal(int pidfd, int sig);  // 0 or -errno
int Setns(int fd, int nstype);            // 0 or -errno
int Unshare(int flags);                   // 0 or -errno; retries EINVAL 5x
int SetDumpable(int value);               // 0 or -errno
int SetName(const char* name);            // 0 or -errno
// PR_SET_PDEATHSIG, then: if the parent is no longer `expected_ppid`, the
// parent already died; raise the signal ourselves. 0 or -errno.
int SetParentDeathSignal(int sig, pid_t expected_ppid);
int SetResUid0();                         // setresuid(0,0,0) raw; 0 or -errno
int SetResGid0();
// Whether the real, effective, saved and filesystem uids and gids are all
// 0, so that SetResUid0 and SetResGid0 would change nothing.
bool IdsAreAllZero();
int DropGroups();                         // setgroups(0, NULL) raw
void CloseFd(int* fd);                    // close and set -1; ignores errors

// "/proc/<pid>/<name>" into out (size n); false if it does not fit.
bool ProcPath(char* out, size_t n, pid_t pid, const char* name);

// open(path, O_WRONLY|O_CLOEXEC) and one write() of data. 0 or -errno.
int WriteFile(const char* path, const char* data, size_t size);

}  // namespace sys
}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_SYS_H_
