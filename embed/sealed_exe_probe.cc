// Test helper for sealed_exe_test. argv[1] is a method, "overlayfs", "bind"
// or "memfd", optionally prefixed "inplace-"; argv[2] the path of this
// binary. Without the prefix the probe re-executes itself from a sealed
// copy (ReexecSealed); with it, it adopts the copy in place (SealInPlace)
// and goes on in the same process. Either way it then reports what it
// sees, one "key=value" per line.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "embed/sealed_exe.h"

extern char** environ;

namespace {

using nsboot::embed::SealMethod;

// State the in-place adoption must carry over: initialized data, data
// written at run time, and a constant.
int g_initialized = 42;
int g_written = 0;
const char kConstant[] = "read-only data";

SealMethod ParseMethod(const char* name) {
  if (strcmp(name, "overlayfs") == 0) return SealMethod::kOverlayfs;
  if (strcmp(name, "bind") == 0) return SealMethod::kBindClone;
  return SealMethod::kMemfd;
}

// Whether any mapping of this process is of the file at `path`, as the
// kernel names it in /proc/self/maps. (A bind clone is the same inode as the
// host binary, but mapped through another mount, which is what
// PR_SET_MM_MAP's check and /proc/PID/map_files go by.)
bool Maps(const char* path) {
  FILE* f = fopen("/proc/self/maps", "r");
  if (f == nullptr) return true;
  char line[4096];
  bool found = false;
  while (fgets(line, sizeof(line), f) != nullptr) {
    char* name = strchr(line, '/');
    if (name == nullptr) continue;
    name[strcspn(name, "\n")] = '\0';
    if (strcmp(name, path) == 0) found = true;
  }
  fclose(f);
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr,
            "usage: %s [inplace-]overlayfs|bind|memfd HOST_BINARY_PATH "
            "[replace-binary|unprivileged]\n",
            argv[0]);
    return 2;
  }
  const char* mode = argv[1];
  const bool in_place = strncmp(mode, "inplace-", 8) == 0;
  const SealMethod method = ParseMethod(in_place ? mode + 8 : mode);
  struct stat host;
  if (stat(argv[2], &host) != 0) {
    perror(argv[2]);
    return 2;
  }
  if (in_place) {
    g_written = 7;
    const char* extra = argc > 3 ? argv[3] : "";
    if (strcmp(extra, "replace-binary") == 0) {
      // Another binary of the same name now shows at the path /proc/self/exe
      // names (here: a copy, mounted over the directory in a private mount
      // namespace; an overlayfs is built from that directory).
      std::string dir(argv[2]);
      dir.resize(dir.rfind('/'));
      std::string other = dir + ".other";
      std::string name = std::string(argv[2]).substr(dir.size());
      std::string cmd = "mkdir -p " + other + " && cp " + argv[2] + " " +
                        other + name;
      if (unshare(CLONE_NEWNS) != 0 ||
          mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          system(cmd.c_str()) != 0 ||
          mount(other.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
        perror("replace-binary");
        return 2;
      }
    } else if (strcmp(extra, "unprivileged") == 0) {
      if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
          setresuid(65534, 65534, 65534) != 0) {
        perror("unprivileged");
        return 2;
      }
    }
    int mount_fd = -1;
    int err = nsboot::embed::SealInPlace(method, &mount_fd);
    if (mount_fd >= 0) close(mount_fd);
    if (err != 0) {
      printf("inplace_error=%s\n", strerror(-err));
      return 1;
    }
    // Everything below runs from the copy: calls through the PLT, data.
    std::string check = std::string(kConstant) + "/" +
                        std::to_string(g_initialized) + "/" +
                        std::to_string(g_written);
    printf("state=%s\n", check.c_str());
    char real[4096];
    if (realpath(argv[2], real) == nullptr) return 2;
    printf("host_still_mapped=%s\n", Maps(real) ? "yes" : "no");
  } else if (nsboot::embed::RunningFromSealedExe() == SealMethod::kNone) {
    SealMethod tried;
    int err = nsboot::embed::ReexecSealed(argv, environ, method, &tried);
    printf("reexec_error=%s\n", strerror(-err));
    return 1;
  }
  printf("method=%s\n",
         nsboot::embed::SealMethodName(nsboot::embed::RunningFromSealedExe()));
  int wfd = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
  printf("open_for_write=%s\n", wfd >= 0 ? "ok" : strerror(errno));
  if (wfd >= 0) {
    ssize_t n = write(wfd, "X", 1);
    printf("write=%s\n", n == 1 ? "ok" : strerror(errno));
  }
  struct stat self;
  if (stat("/proc/self/exe", &self) == 0) {
    printf("same_as_host=%s\n",
           self.st_dev == host.st_dev && self.st_ino == host.st_ino ? "yes"
                                                                    : "no");
  }
  char target[256] = {0};
  ssize_t n = readlink("/proc/self/exe", target, sizeof(target) - 1);
  printf("exe_link=%s\n", n > 0 ? target : "?");
  return 0;
}
