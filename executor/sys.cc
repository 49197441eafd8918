#include "executor/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace nsboot {
namespace executor {
namespace sys {

Text& Text::Add(const char* s) { return Add(s, strlen(s)); }

Text& Text::Add(const char* s, size_t n) {
  for (size_t i = 0; i < n && len_ < kCapacity; ++i) buf_[len_++] = s[i];
  buf_[len_] = '\0';
  return *this;
}

Text& Text::AddInt(int64_t v) {
  char digits[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    digits[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) digits[n++] = '-';
  char out[24];
  for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return Add(out, n);
}

Text& Text::AddErrno(int err) {
  const char* desc = strerrordesc_np(err);
  if (desc != nullptr) return Add(desc);
  return Add("errno ").AddInt(err);
}

namespace {

// clone3's arguments for `flags`, with *pidfd for CLONE_PIDFD.
struct clone_args CloneArgs(uint64_t flags, int* pidfd) {
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = flags;
  // clone3 refuses an exit_signal with CLONE_PARENT (EINVAL): the child
  // then inherits the caller's own exit signal, as the sibling it becomes.
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  if (flags & CLONE_PIDFD) {
    args.pidfd = reinterpret_cast<uintptr_t>(pidfd);
  }
  return args;
}

}  // namespace

pid_t Clone3(uint64_t flags, int* pidfd) {
  struct clone_args args = CloneArgs(flags, pidfd);
  const long ret = syscall(SYS_clone3, &args, sizeof(args));
  if (ret < 0) return -errno;
  return static_cast<pid_t>(ret);
}

#if defined(__x86_64__)
namespace {

pid_t CloneExitingSiblingSharingMemory() {
  sigset_t all, old;
  sigfillset(&all);
  // The child inherits this mask: no handler may run in it, on a stack it
  // would share with the caller.
  if (sigprocmask(SIG_SETMASK, &all, &old) != 0) return -errno;
  // CLONE_VM: no page tables to copy. No CLONE_VFORK: the caller does not
  // wait for the child to be scheduled (a wake-up on an idle vCPU can take
  // hundreds of microseconds on a VM); the child touches no memory.
  struct clone_args args = CloneArgs(CLONE_PARENT | CLONE_VM, nullptr);
  long ret;
  // The child starts on the caller's stack pointer with the caller's
  // registers: it must not touch memory, so it leaves from inside this
  // block, in registers only.
  asm volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "mov %[exit_nr], %%eax\n\t"
      "xor %%edi, %%edi\n\t"
      "syscall\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(static_cast<long>(SYS_clone3)), "D"(&args), "S"(sizeof(args)),
        [exit_nr] "i"(SYS_exit)
      : "rcx", "r11", "memory");
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return static_cast<pid_t>(ret);  // the pid, or -errno from the kernel
}

}  // namespace
#endif

pid_t CloneExitingSibling(bool share_memory) {
#if defined(__x86_64__)
  if (share_memory) return CloneExitingSiblingSharingMemory();
#else
  (void)share_memory;  // only x86-64 has the register-only child
#endif
  // A fork, whose child exits without running any of the caller's exit
  // handlers.
  const pid_t pid = Clone3(CLONE_PARENT, nullptr);
  if (pid == 0) syscall(SYS_exit, 0);
  return pid;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NSBOOT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define NSBOOT_SANITIZED 1
#endif
#endif
#if defined(__x86_64__) && !defined(NSBOOT_SANITIZED)
#define NSBOOT_CAN_CLONE_SHARING_MEMORY 1
#endif

bool CanCloneSharingMemory() {
#if defined(NSBOOT_CAN_CLONE_SHARING_MEMORY)
  return true;
#else
  return false;
#endif
}

pid_t CloneSharingMemory(uint64_t flags, int* pidfd, char* stack,
                         size_t stack_size, void (*child)(void*), void* arg) {
#if defined(NSBOOT_CAN_CLONE_SHARING_MEMORY)
  struct clone_args args = CloneArgs(flags | CLONE_VM, pidfd);
  args.stack = reinterpret_cast<uintptr_t>(stack);
  args.stack_size = stack_size;
  long ret;
  // The child starts after the syscall instruction with the caller's
  // registers but rsp at stack + stack_size, in no C++ frame: it calls
  // child(arg) at once (16-byte aligned before the call, as the ABI wants).
  // `child` and `arg` are in registers the syscall keeps (not rax, rcx,
  // r11, rdi, rsi).
  asm volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "mov %[arg], %%rdi\n\t"
      "call *%[child]\n\t"
      "ud2\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(static_cast<long>(SYS_clone3)), "D"(&args), "S"(sizeof(args)),
        [child] "r"(child), [arg] "r"(arg)
      : "rcx", "r11", "memory");
  return static_cast<pid_t>(ret);  // the pid, or -errno from the kernel
#else
  (void)flags, (void)pidfd, (void)stack, (void)stack_size, (void)child,
      (void)arg;
  return -ENOSYS;
#endif
}

void ClearOnExit(int* word) { syscall(SYS_set_tid_address, word); }

void AwaitCleared(const int* word) {
  for (;;) {
    const int v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    if (v == 0) return;
    // Not FUTEX_PRIVATE_FLAG: the kernel's wake at exit uses the shared
    // key, as glibc's pthread_join waits.
    syscall(SYS_futex, word, FUTEX_WAIT, v, nullptr, nullptr, 0);
  }
}

void RegisterRseq() {
#if defined(NSBOOT_CAN_CLONE_SHARING_MEMORY)
  if (__rseq_size == 0) return;  // glibc registered none (tunable off)
  // The thread pointer: glibc's TCB starts with a pointer to itself.
  char* tp;
  asm("mov %%fs:0, %0" : "=r"(tp));
  char* area = tp + __rseq_offset;
  // glibc 2.35-2.39 register 32 bytes (the original struct rseq) and say
  // so in __rseq_size; later ones may say less than they registered.
  const unsigned int len = __rseq_size < 32 ? 32 : __rseq_size;
  if (syscall(SYS_rseq, area, len, 0, RSEQ_SIG) != 0) {
    __atomic_store_n(&reinterpret_cast<struct rseq*>(area)->cpu_id,
                     static_cast<uint32_t>(RSEQ_CPU_ID_REGISTRATION_FAILED),
                     __ATOMIC_RELAXED);
  }
#endif
}

ThreadState GetThreadState() {
  ThreadState state;
  // CONFIG_CHECKPOINT_RESTORE kernels only; without it the id stays stale.
  if (prctl(PR_GET_TID_ADDRESS, &state.tid_address, 0, 0, 0) != 0) {
    state.tid_address = nullptr;
  }
  if (syscall(SYS_get_robust_list, 0, &state.robust_head,
              &state.robust_len) != 0) {
    state.robust_head = nullptr;
  }
  return state;
}

void AdoptThreadState(const ThreadState& state) {
  if (state.tid_address != nullptr) {
    *state.tid_address = static_cast<int>(syscall(SYS_gettid));
    syscall(SYS_set_tid_address, state.tid_address);
  }
  if (state.robust_head != nullptr) {
    syscall(SYS_set_robust_list, state.robust_head, state.robust_len);
  }
}

void AwaitExit(int pidfd) {
  struct pollfd pfd = {pidfd, POLLIN, 0};
  while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
  }
}

int PidfdOpen(pid_t pid) {
  const long fd = syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return -errno;
  // pidfds are always close-on-exec.
  return static_cast<int>(fd);
}

int PidfdSendSignal(int pidfd, int sig) {
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0) return -errno;
  return 0;
}

int Setns(int fd, int nstype) {
  if (syscall(SYS_setns, fd, nstype) < 0) return -errno;
  return 0;
}

int Unshare(int flags) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (syscall(SYS_unshare, flags) == 0) return 0;
    if (errno != EINVAL) return -errno;
  }
  return -EINVAL;
}

int SetDumpable(int value) {
  if (prctl(PR_SET_DUMPABLE, value, 0, 0, 0) < 0) return -errno;
  return 0;
}

int SetName(const char* name) {
  if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0) return -errno;
  return 0;
}

int SetParentDeathSignal(int sig, pid_t expected_ppid) {
  if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0) return -errno;
  if (sig != 0 && getppid() != expected_ppid) {
    // The parent died before the signal was armed.
    syscall(SYS_kill, syscall(SYS_getpid), sig);
  }
  return 0;
}

// Raw syscalls on purpose: glibc's setresuid() broadcasts to all threads
// (setxid) through state that a raw clone child cannot trust.
int SetResUid0() {
  if (syscall(SYS_setresuid, 0, 0, 0) < 0) return -errno;
  return 0;
}

int SetResGid0() {
  if (syscall(SYS_setresgid, 0, 0, 0) < 0) return -errno;
  return 0;
}

bool IdsAreAllZero() {
  uid_t u[3];
  gid_t g[3];
  if (syscall(SYS_getresuid, &u[0], &u[1], &u[2]) != 0 ||
      syscall(SYS_getresgid, &g[0], &g[1], &g[2]) != 0) {
    return false;
  }
  // setfs[ug]id with an invalid id changes nothing and returns the current.
  const long fsuid = syscall(SYS_setfsuid, static_cast<uid_t>(-1));
  const long fsgid = syscall(SYS_setfsgid, static_cast<gid_t>(-1));
  return u[0] == 0 && u[1] == 0 && u[2] == 0 && g[0] == 0 && g[1] == 0 &&
         g[2] == 0 && fsuid == 0 && fsgid == 0;
}

int DropGroups() {
  if (syscall(SYS_setgroups, 0, nullptr) < 0) return -errno;
  return 0;
}

void CloseFd(int* fd) {
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

bool ProcPath(char* out, size_t n, pid_t pid, const char* name) {
  Text t;
  t.Add("/proc/").AddInt(pid).Add("/").Add(name);
  if (t.size() + 1 > n || t.size() == Text::kCapacity) return false;
  memcpy(out, t.data(), t.size() + 1);
  return true;
}

int WriteFile(const char* path, const char* data, size_t size) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n;
  do {
    n = write(fd, data, size);
  } while (n < 0 && errno == EINTR);
  const int err = n < 0 ? errno : (static_cast<size_t>(n) != size ? EIO : 0);
  close(fd);
  return -err;
}

}  // namespace sys
}  // namespace executor
}  // namespace nsboot
