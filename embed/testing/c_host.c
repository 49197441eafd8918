/* A C host that calls the hook itself, first thing in main(). */
#include <stdio.h>

#include "embed/testing/report.h"
#include "nsboot/nsboot.h"

extern char** environ;

static int g_counter = 41;

int main(int argc, char** argv) {
  int hook = nsboot_premain(argc, argv, environ);
  ++g_counter;
  printf("c_global=%d\n", g_counter);
  nsboot_report(stdout, hook);
  fflush(stdout);
  return 0;
}
