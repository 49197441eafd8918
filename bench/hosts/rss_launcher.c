/*
 * Peak-RSS launcher for bench/roundtrip --mode=memory. Statically linked and
 * tiny, so that what the kernel reports as a child's peak RSS is the child's
 * own: after execve, ru_maxrss also covers the memory image the process had
 * before the exec, and a child forked from the (large) benchmark driver would
 * report the driver's size.
 *
 *   rss_launcher CMD [ARGS...]
 *
 * Forks and execs CMD (inheriting the environment and every fd but 4), then
 * reaps every child until none is left (CMD, and the stage processes CMD
 * creates with CLONE_PARENT) and writes one line per child to fd 4:
 * "PID STATUS MAXRSS_KIB\n" (wait4's rusage: a child plus the descendants it
 * reaped itself).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (fcntl(4, F_SETFD, FD_CLOEXEC) != 0) return 2;
  pid_t pid = fork();
  if (pid < 0) return 3;
  if (pid == 0) {
    execve(argv[1], argv + 1, environ);
    _exit(127);
  }
  for (;;) {
    int status;
    struct rusage ru;
    pid_t r = wait4(-1, &status, 0, &ru);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    char line[64];
    int n = snprintf(line, sizeof(line), "%d %d %ld\n", (int)r, code,
                     ru.ru_maxrss);
    if (write(4, line, n) != n) return 4;
  }
  return 0;
}
