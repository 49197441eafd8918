/* Shared by the test hosts: prints, one "key=value" per line, what the
 * process sees. C, so the C and C++ hosts print the same thing. */
#ifndef NSBOOT_EMBED_TESTING_REPORT_H_
#define NSBOOT_EMBED_TESTING_REPORT_H_

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc's record of the thread, as the kernel should know it (the hook's
 * final process takes it over from stage 0): "tcb_tid" is "own" when an
 * error-checking mutex's owner (pthread_self()->tid) is the kernel's thread
 * id; "robust_list" and "rseq" are "registered" when the kernel has them
 * (registering the rseq area again then fails with EBUSY). */
static inline void nsboot_report_thread(FILE* out) {
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
  if (owner == tid) {
    fprintf(out, "tcb_tid=own\n");
  } else {
    fprintf(out, "tcb_tid=%d (not %d)\n", owner, tid);
  }
  void* head = NULL;
  size_t len = 0;
  if (syscall(SYS_get_robust_list, 0, &head, &len) != 0) head = NULL;
  fprintf(out, "robust_list=%s\n", head != NULL ? "registered" : "none");
#if defined(__x86_64__)
  if (__rseq_size == 0) {
    fprintf(out, "rseq=off\n");
  } else {
    char* tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    unsigned int rseq_len = __rseq_size < 32 ? 32 : __rseq_size;
    long rc = syscall(SYS_rseq, tp + __rseq_offset, rseq_len, 0, RSEQ_SIG);
    fprintf(out, "rseq=%s\n",
            rc == 0 ? "was-unregistered"
                    : errno == EBUSY ? "registered" : strerror(errno));
  }
#endif
}

static inline void nsboot_report(FILE* out, int hook_result) {
  static const char* const kNs[] = {"mnt", "uts",    "ipc",  "user",
                                    "pid", "net",    "cgroup", "time"};
  char path[64], buf[256];
  fprintf(out, "hook=%d\n", hook_result);
  nsboot_report_thread(out);
  fprintf(out, "pid=%d\n", (int)getpid());
  fprintf(out, "uid=%d\ngid=%d\n", (int)getuid(), (int)getgid());
  for (unsigned i = 0; i < sizeof(kNs) / sizeof(kNs[0]); ++i) {
    struct stat st;
    snprintf(path, sizeof(path), "/proc/self/ns/%s", kNs[i]);
    if (stat(path, &st) == 0) {
      fprintf(out, "ns.%s=%llu\n", kNs[i], (unsigned long long)st.st_ino);
    }
  }
  const char* files[] = {"/proc/self/uid_map", "/proc/self/gid_map",
                         "/proc/self/setgroups", "/proc/self/oom_score_adj",
                         "/proc/self/timens_offsets"};
  for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); ++i) {
    int fd = open(files[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) n = 0;
    buf[n] = '\0';
    for (ssize_t j = 0; j < n; ++j) {
      if (buf[j] == '\n') buf[j] = ';';
    }
    fprintf(out, "file%s=%s\n", strrchr(files[i], '/'), buf);
  }
  int wfd = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
  fprintf(out, "exe_writable=%s\n", wfd >= 0 ? "yes" : strerror(errno));
  if (wfd >= 0) close(wfd);
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  fprintf(out, "exe=%s\n", buf);
  /* Which fds are open: nothing but stdio and the pipes may leak in. */
  fprintf(out, "fds=");
  for (int fd = 0; fd < 64; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) fprintf(out, "%d,", fd);
  }
  fprintf(out, "\n");
}

#endif /* NSBOOT_EMBED_TESTING_REPORT_H_ */
