// The nsboot command. Subcommands are thin wrappers over the libraries; see
// docs/CLI.md for every subcommand and exit status.
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/run_command.h"
#include "cli/wire_commands.h"

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

}  // namespace

int main(int argc, char** argv) {
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
