// Test helper for sealed_exe_test: re-executes itself from a sealed copy
// (argv[1]: "overlayfs-ok" or "memfd-only"), then reports what the final
// process sees, one "key=value" per line.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "embed/sealed_exe.h"

extern char** environ;

int main(int argc, char** argv) {
  using nsboot::embed::SealMethod;
  if (argc < 3) {
    fprintf(stderr,
            "usage: %s overlayfs|bind|memfd HOST_BINARY_PATH\n",
            argv[0]);
    return 2;
  }
  SealMethod now = nsboot::embed::RunningFromSealedExe();
  if (now == SealMethod::kNone) {
    SealMethod tried;
    const SealMethod first = strcmp(argv[1], "overlayfs") == 0
                                 ? SealMethod::kOverlayfs
                             : strcmp(argv[1], "bind") == 0
                                 ? SealMethod::kBindClone
                                 : SealMethod::kMemfd;
    int err = nsboot::embed::ReexecSealed(argv, environ, first, &tried);
    printf("reexec_error=%s\n", strerror(-err));
    return 1;
  }
  printf("method=%s\n", nsboot::embed::SealMethodName(now));
  int wfd = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
  printf("open_for_write=%s\n", wfd >= 0 ? "ok" : strerror(errno));
  if (wfd >= 0) {
    ssize_t n = write(wfd, "X", 1);
    printf("write=%s\n", n == 1 ? "ok" : strerror(errno));
  }
  struct stat self, host;
  if (stat("/proc/self/exe", &self) == 0 && stat(argv[2], &host) == 0) {
    printf("same_as_host=%s\n",
           self.st_dev == host.st_dev && self.st_ino == host.st_ino ? "yes"
                                                                    : "no");
  }
  char target[256] = {0};
  ssize_t n = readlink("/proc/self/exe", target, sizeof(target) - 1);
  printf("exe_link=%s\n", n > 0 ? target : "?");
  return 0;
}
