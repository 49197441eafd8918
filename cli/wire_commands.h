// The nsboot command's wire-format subcommands: decode, encode, validate.
// Each takes its arguments (after the subcommand name), reads its input
// from the named file or `stdin_fd`, writes to `out`, reports errors as one
// line on `err`, and returns an exit status from cli/exit_codes.h.
#ifndef NSBOOT_CLI_WIRE_COMMANDS_H_
#define NSBOOT_CLI_WIRE_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "codec/netlink.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace cli {

struct CommandIo {
  int stdin_fd;
  std::ostream& out;
  std::ostream& err;
};

// nsboot decode [--format=auto|netlink|proto] [--dialect=runc-1.1|runc-1.2]
//               [--json] [FILE|-]
// Reads exactly one request (either encoding) and prints it as text proto,
// or JSON with --json. Trailing bytes after the message are an error.
int RunDecode(const std::vector<std::string>& args, CommandIo io);

// nsboot encode --to=netlink|proto [--dialect=runc-1.1|runc-1.2] [--json]
//               [FILE|-]
// Reads a request as text proto (or JSON with --json) and writes its bytes.
int RunEncode(const std::vector<std::string>& args, CommandIo io);

// nsboot validate [--format=...] [--dialect=...] [FILE|-]
// Decodes and checks a request; prints "ok: <encoding>, <n> bytes".
int RunValidate(const std::vector<std::string>& args, CommandIo io);

// nsboot plan [--format=auto|netlink|proto|text] [--dialect=...]
//             [--protocol=native|runc-1.1|runc-1.2] [--exec] [FILE|-]
// Decodes a request (wire bytes, or a text proto) and prints the executor's
// plan for it: every step of every stage, in order. Nothing is executed.
int RunPlan(const std::vector<std::string>& args, CommandIo io);

// Loads one request from `file` ("-": io.stdin_fd), at most 8 MiB: wire
// bytes when the first 8 bytes say so (netlink in `dialect`), else a text
// proto, or JSON when the first non-blank byte is '{'. `format` ("auto",
// "netlink", "proto" or "text") restricts what is accepted. The request is
// validated. On failure writes one line, "<who>: <file>: <reason>", to
// io.err and returns false with the exit status in *exit_code.
struct LoadedRequest {
  v1::BootstrapRequest request;
  bool netlink = false;  // it came as runc's netlink message
};
bool LoadRequestFile(const std::string& file, const std::string& format,
                     codec::RuncDialect dialect, const char* who, CommandIo io,
                     LoadedRequest* out, int* exit_code);

extern const char kDecodeHelp[];
extern const char kEncodeHelp[];
extern const char kValidateHelp[];
extern const char kPlanHelp[];

}  // namespace cli
}  // namespace nsboot

#endif  // NSBOOT_CLI_WIRE_COMMANDS_H_
