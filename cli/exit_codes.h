// Exit statuses of the nsboot command (documented in docs/CLI.md).
// Chosen from sysexits.h where one fits; `run` passes the command's own
// status through and uses 125..127 for its own failures, as env(1), chroot(1)
// and container runtimes do.
#ifndef NSBOOT_CLI_EXIT_CODES_H_
#define NSBOOT_CLI_EXIT_CODES_H_

namespace nsboot {
namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitDataErr = 65;     // malformed or invalid input data
inline constexpr int kExitNoInput = 66;     // input file cannot be opened
inline constexpr int kExitSoftware = 70;    // internal error
inline constexpr int kExitIoErr = 74;       // reading or writing failed
inline constexpr int kExitRunFailed = 125;  // run: nsboot itself failed
inline constexpr int kExitCannotExec = 126; // run: command found, not runnable
inline constexpr int kExitNotFound = 127;   // run: command not found

}  // namespace cli
}  // namespace nsboot

#endif  // NSBOOT_CLI_EXIT_CODES_H_
