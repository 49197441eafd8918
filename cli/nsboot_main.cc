// The nsboot command. Subcommands are thin wrappers over the libraries; see
// docs/CLI.md for every subcommand and exit status.
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/run_command.h"
#include "cli/wire_commands.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define NSBOOT_CLI_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NSBOOT_CLI_SANITIZED 1
#endif

namespace {

constexpr char kUsage[] =
    "usage: nsboot COMMAND [ARGS...]\n"
    "\n"
    "  run       run a command inside namespaces (nsboot run -- id)\n"
    "\n"
    "Wire format:\n"
    "  decode    print a bootstrap request (runc netlink or nsboot frame)\n"
    "  encode    turn a text-proto or JSON request into wire bytes\n"
    "  validate  check a request without printing it\n"
    "  plan      print what the executor would do for a request\n"
    "\n"
    "  --version  print the version and the schema versions supported\n"
    "  --help     this text; COMMAND --help for each command\n";

constexpr char kVersion[] =
    "nsboot 0.1.0\n"
    "schema versions: 1, 2\n"
    "encodings: runc netlink (dialects runc-1.1, runc-1.2), nsboot frame v1\n";

// Runs one subcommand; returns its exit status.
int Dispatch(int argc, char** argv) {
  using nsboot::cli::CommandIo;
  if (argc < 2) {
    std::cerr << kUsage;
    return nsboot::cli::kExitUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  CommandIo io{STDIN_FILENO, std::cout, std::cerr};
  if (command == "run") return nsboot::cli::RunRun(args, io);
  if (command == "decode") return nsboot::cli::RunDecode(args, io);
  if (command == "encode") return nsboot::cli::RunEncode(args, io);
  if (command == "validate") return nsboot::cli::RunValidate(args, io);
  if (command == "plan") return nsboot::cli::RunPlan(args, io);
  if (command == "--version" || command == "version") {
    std::cout << kVersion;
    return nsboot::cli::kExitOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return nsboot::cli::kExitOk;
  }
  std::cerr << "nsboot: unknown command '" << command
            << "' (see nsboot --help)\n";
  return nsboot::cli::kExitUsage;
}

// Flushes stdout, reporting a failed write (a full disk, a closed pipe) as
// status 74 where the command itself succeeded.
int FlushOutput(int status) {
  std::cout.flush();
  const bool written = !std::cout.fail() && fflush(stdout) == 0;
  if (!written && status == nsboot::cli::kExitOk) {
    std::cerr << "nsboot: writing standard output: " << strerror(errno)
              << "\n";
    status = nsboot::cli::kExitIoErr;
  }
  std::cerr.flush();
  fflush(stderr);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const int status = FlushOutput(Dispatch(argc, argv));
#ifdef NSBOOT_CLI_SANITIZED
  // LeakSanitizer runs from the exit handlers.
  return status;
#else
  // Everything is written: leave without running the static destructors,
  // which free protobuf's and abseil's globals (up to ~14 us of every
  // `nsboot run`, after its command had finished; docs/BENCHMARKS.md,
  // session 8).
  _exit(status);
#endif
}
