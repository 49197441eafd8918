/*
 * The floor: the least a host can do for each benchmark scenario, with only
 * the system calls the work needs. No re-execution, no stage processes
 * beyond the final one, no sync round trips except the one a user namespace
 * requires (the maps must be written from outside before the child uses its
 * ids).
 *
 * The parent (bench/roundtrip.cc) hands an init socket at fd 3 and writes one
 * struct floor_request; the host answers with the final process's pid (an
 * int32) and exits. The final process is created with CLONE_PARENT, so it is
 * the parent's child, as nsboot's and runc's stages are.
 *
 *   create: clone(CLONE_PARENT | CLONE_NEW* | SIGCHLD); the child exits.
 *   join:   pidfd_open(target); setns(pidfd, all types); one clone.
 *   user:   clone with CLONE_NEWUSER too; the host writes uid_map and gid_map
 *           then releases the child over a pipe; the child becomes root
 *           (setresgid, setresuid) and exits.
 *
 * The child leaves with _exit(). Built with -DFLOOR_CHILD_EXITS (the
 * floor-exit row) it leaves with exit(), the way a final process that
 * returns from main() does: libc's exit handlers and the loader's _dl_fini,
 * run in a process whose page tables fork left without the libraries' text.
 * Built with -DFLOOR_CHILD_SHARES_MEMORY (the floor-vm row) the child is
 * cloned with CLONE_VM onto a stack of its own, sharing the host's memory
 * as nsboot's final process does (executor::FinalSharesMemory): no page
 * tables copied, one address space to tear down.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/hosts/floor_request.h"

#ifdef FLOOR_CHILD_EXITS
#define CHILD_EXIT(status) exit(status)
#else
#define CHILD_EXIT(status) _exit(status)
#endif

/* The child's part; sync_fd >= 0: the user scenario's (wait for the maps,
 * become root). */
static void child_body(int sync_fd) {
  if (sync_fd >= 0) {
    char c;
    if (read(sync_fd, &c, 1) != 1) CHILD_EXIT(5);
    if (syscall(SYS_setresgid, 0, 0, 0) != 0) CHILD_EXIT(6);
    if (syscall(SYS_setresuid, 0, 0, 0) != 0) CHILD_EXIT(7);
  }
  CHILD_EXIT(0);
}

#ifdef FLOOR_CHILD_SHARES_MEMORY
static char child_stack[16384] __attribute__((aligned(16)));

static int child_main(void* arg) {
  child_body((int)(intptr_t)arg);
  return 0;
}

/* The child's pid in the host (the child never returns here). */
static pid_t spawn_child(unsigned long flags, int sync_fd) {
  return clone(child_main, child_stack + sizeof(child_stack),
               (int)(flags | CLONE_VM | SIGCHLD), (void*)(intptr_t)sync_fd);
}
#else
static pid_t spawn_child(unsigned long flags, int sync_fd) {
  pid_t pid =
      (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0) child_body(sync_fd);
  return pid;
}
#endif

static int write_file(const char* path, const char* text, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, len);
  close(fd);
  return n == (ssize_t)len ? 0 : -1;
}

int main(void) {
  struct floor_request req;
  if (read(3, &req, sizeof(req)) != (ssize_t)sizeof(req)) return 2;
  pid_t pid = -1;
  switch (req.mode) {
    case FLOOR_CREATE:
      pid = spawn_child(CLONE_PARENT | req.flags, -1);
      break;
    case FLOOR_JOIN: {
      int pidfd = (int)syscall(SYS_pidfd_open, req.target_pid, 0);
      if (pidfd < 0 || setns(pidfd, (int)req.flags) != 0) return 3;
      pid = spawn_child(CLONE_PARENT, -1);
      break;
    }
    case FLOOR_USER: {
      int sync[2];
      if (pipe2(sync, O_CLOEXEC) != 0) return 4;
      pid = spawn_child(CLONE_PARENT | CLONE_NEWUSER | req.flags, sync[0]);
      if (pid < 0) return 5;
      char path[64];
      snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
      if (write_file(path, req.map, req.map_len) != 0) return 6;
      snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
      if (write_file(path, req.map, req.map_len) != 0) return 7;
      if (write(sync[1], "", 1) != 1) return 8;
      break;
    }
    default:
      return 9;
  }
  if (pid < 0) return 10;
  int32_t reply = pid;
  if (write(3, &reply, sizeof(reply)) != (ssize_t)sizeof(reply)) return 11;
  return 0;
}
