/* Tests only: what the kernel and glibc know of the calling thread, the
 * record nsboot's final process takes over from stage 0 (executor/sys.h,
 * AdoptThreadState and RegisterRseq). C, for the C test hosts too. */
#ifndef NSBOOT_COMMON_THREAD_RECORD_H_
#define NSBOOT_COMMON_THREAD_RECORD_H_

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

/* "own" when glibc's idea of the thread id (pthread_self()->tid, seen as
 * an error-checking mutex's owner) is the kernel's; else "OWNER (not
 * TID)", written into buf. */
static inline const char* nsboot_tcb_tid_state(char* buf, size_t n) {
  pthread_mutexattr_t attr;
  pthread_mutex_t m;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&m, &attr);
  pthread_mutex_lock(&m);
  int owner = m.__data.__owner;
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
  pthread_mutexattr_destroy(&attr);
  int tid = (int)syscall(SYS_gettid);
  if (owner == tid) return "own";
  snprintf(buf, n, "%d (not %d)", owner, tid);
  return buf;
}

/* "registered" when the kernel has a robust-futex list for the thread. */
static inline const char* nsboot_robust_list_state(void) {
  void* head = NULL;
  size_t len = 0;
  if (syscall(SYS_get_robust_list, 0, &head, &len) != 0) head = NULL;
  return head != NULL ? "registered" : "none";
}

/* "registered" when the kernel has glibc's rseq area for the thread
 * (registering it again then fails with EBUSY); "was-unregistered" (it is
 * now), "off" (glibc registered none), or the error. */
static inline const char* nsboot_rseq_state(void) {
#if defined(__x86_64__)
  if (__rseq_size == 0) return "off";
  char* tp; /* glibc's TCB starts with a pointer to itself */
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  unsigned int len = __rseq_size < 32 ? 32 : __rseq_size;
  if (syscall(SYS_rseq, tp + __rseq_offset, len, 0, RSEQ_SIG) == 0) {
    return "was-unregistered";
  }
  return errno == EBUSY ? "registered" : strerror(errno);
#else
  return "unknown";
#endif
}

#endif /* NSBOOT_COMMON_THREAD_RECORD_H_ */
