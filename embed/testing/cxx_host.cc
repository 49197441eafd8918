// A C++ host with the hook linked in as a constructor (//embed:premain).
// Its own globals have constructors and it uses iostreams: they must work,
// and be built in the final process, inside the namespaces.
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "embed/testing/report.h"
#include "nsboot/nsboot.h"

namespace {

struct Witness {
  Witness() : pid(getpid()), words{"static", "state", "intact"} {
    struct stat st;
    pid_ns = stat("/proc/self/ns/pid", &st) == 0 ? st.st_ino : 0;
  }
  pid_t pid;
  unsigned long pid_ns;
  std::vector<std::string> words;
};

Witness g_witness;
std::string g_text = "hello from a global";

}  // namespace

int main(int argc, char** argv) {
  // A second call is harmless and returns the constructor's result.
  int hook = nsboot_premain(argc, argv, nullptr);
  std::cout << "iostream=ok" << std::endl;
  std::cout << "global_text=" << g_text << "\n";
  std::cout << "global_words=" << g_witness.words[0] << "-"
            << g_witness.words[1] << "-" << g_witness.words[2] << "\n";
  std::cout << "global_built_in_this_process="
            << (g_witness.pid == getpid() ? "yes" : "no") << "\n";
  std::cout << "global_pid_ns=" << g_witness.pid_ns << std::endl;
  nsboot_report(stdout, hook);
  fflush(stdout);
  return 0;
}
