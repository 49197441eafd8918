/* Shared by the test hosts: prints, one "key=value" per line, what the
 * process sees. C, so the C and C++ hosts print the same thing. */
#ifndef NSBOOT_EMBED_TESTING_REPORT_H_
#define NSBOOT_EMBED_TESTING_REPORT_H_

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/thread_record.h"

/* glibc's record of the thread, as the kernel should know it (the hook's
 * final process takes it over from stage 0; common/thread_record.h). */
static inline void nsboot_report_thread(FILE* out) {
  char buf[64];
  fprintf(out, "tcb_tid=%s\n", nsboot_tcb_tid_state(buf, sizeof(buf)));
  fprintf(out, "robust_list=%s\n", nsboot_robust_list_state());
  fprintf(out, "rseq=%s\n", nsboot_rseq_state());
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
