// The smallest nsboot-embedded program: //embed:premain is linked in whole,
// so when a parent hands it an init pipe (NSBOOT_INITPIPE or
// _LIBCONTAINER_INITPIPE) its main() runs inside the namespaces the parent
// asked for. It prints what main() sees as key=value lines, which the
// example parents (Go, Python) show and their tests check.
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <initializer_list>

#include "nsboot/nsboot.h"

int main(int argc, char** argv) {
  // The constructor already ran the bootstrap; a second call only returns
  // its result: 1 inside the namespaces, 0 when there was no init pipe.
  printf("hook=%d\n", nsboot_premain(argc, argv, nullptr));
  printf("pid=%d\n", static_cast<int>(getpid()));
  printf("uid=%d\n", static_cast<int>(getuid()));
  for (const char* ns : {"mnt", "uts", "ipc", "user", "pid", "net", "cgroup",
                         "time"}) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
    struct stat st;
    if (stat(path, &st) == 0) {
      printf("ns.%s=%llu\n", ns, static_cast<unsigned long long>(st.st_ino));
    }
  }
  FILE* f = fopen("/proc/self/uid_map", "re");
  if (f != nullptr) {
    unsigned long inside, outside, count;
    if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3) {
      printf("uid_map=%lu %lu %lu\n", inside, outside, count);
    }
    fclose(f);
  }
  return 0;
}
