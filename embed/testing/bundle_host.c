/* A C program linked the documented way against libnsboot.a (no C++
 * library on the line), for //embed:bundle_test. Its first act in main() is
 * to ask malloc whether anyone used the program's heap before it: the hook
 * must not have (its memory is its own, released before main()). Then it
 * prints what main() sees as key=value lines, like //examples/parents:host,
 * so the example parents can drive it. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsboot/nsboot.h"

int main(int argc, char** argv) {
  const struct mallinfo2 heap = mallinfo2();
  printf("heap=%zu\n", heap.arena);
  printf("hook=%d\n", nsboot_premain(argc, argv, NULL));
  printf("uid=%d\n", (int)getuid());
  static const char* const kNs[] = {"mnt", "uts", "ipc", "user", "pid", "net"};
  for (size_t i = 0; i < sizeof(kNs) / sizeof(kNs[0]); ++i) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", kNs[i]);
    struct stat st;
    if (stat(path, &st) == 0) {
      printf("ns.%s=%llu\n", kNs[i], (unsigned long long)st.st_ino);
    }
  }
  FILE* f = fopen("/proc/self/uid_map", "re");
  if (f != NULL) {
    unsigned long inside, outside, count;
    if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3) {
      printf("uid_map=%lu %lu %lu\n", inside, outside, count);
    }
    fclose(f);
  }
  return 0;
}
