#include "cli/wire_commands.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "cli/exit_codes.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "codec/reader.h"
#include "codec/validate.h"
#include "executor/plan.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace cli {

const char kDecodeHelp[] =
    "usage: nsboot decode [--format=auto|netlink|proto] "
    "[--dialect=runc-1.1|runc-1.2] [--json] [FILE|-]\n"
    "Reads one bootstrap request (runc netlink or nsboot frame) and prints it\n"
    "as text proto, or as JSON with --json. --dialect says what attribute\n"
    "27290 means in a netlink message (default runc-1.1: mount sources).\n"
    "Exit: 0 ok, 2 usage, 65 malformed input, 66 cannot open FILE, 74 I/O.\n";

const char kEncodeHelp[] =
    "usage: nsboot encode --to=netlink|proto [--dialect=runc-1.1|runc-1.2] "
    "[--json] [FILE|-]\n"
    "Reads a BootstrapRequest as text proto (or JSON with --json) and writes\n"
    "its bytes: runc's netlink message or an nsboot frame.\n"
    "Exit: 0 ok, 2 usage, 65 invalid request, 66 cannot open FILE, 74 I/O.\n";

const char kValidateHelp[] =
    "usage: nsboot validate [--format=auto|netlink|proto] "
    "[--dialect=runc-1.1|runc-1.2] [FILE|-]\n"
    "Decodes and validates one request without printing it.\n"
    "Exit: 0 valid, 2 usage, 65 invalid, 66 cannot open FILE, 74 I/O.\n";

const char kPlanHelp[] =
    "usage: nsboot plan [--format=auto|netlink|proto|text] "
    "[--dialect=runc-1.1|runc-1.2]\n"
    "                   [--protocol=native|runc-1.1|runc-1.2] [--exec] "
    "[FILE|-]\n"
    "Prints what the executor would do for a request, step by step and stage\n"
    "by stage, without doing any of it. FILE holds wire bytes (detected) or a\n"
    "text-proto request. --protocol is the reply protocol (default: runc's\n"
    "dialect for a netlink request, native otherwise); --exec plans a final\n"
    "execve (the CLI case) instead of a return into main().\n"
    "Exit: 0 ok, 2 usage, 65 invalid request, 66 cannot open FILE, 74 I/O.\n";

namespace {

// Input files are bounded: a request is at most ~1 MiB in either encoding,
// and text forms are at most a few times that.
constexpr size_t kMaxTextInput = 8 << 20;

struct WireFlags {
  std::string format = "auto";
  std::string to;
  codec::RuncDialect dialect = codec::RuncDialect::kRunc11;
  bool json = false;
  std::string file = "-";
  bool help = false;
  // plan only.
  std::string protocol;
  bool exec = false;
};

// Parses the flags all three subcommands share; returns an error line, or
// empty on success.
std::string ParseFlags(const std::vector<std::string>& args, WireFlags* f) {
  bool file_seen = false;
  for (const std::string& arg : args) {
    absl::string_view a = arg;
    if (a == "--help" || a == "-h") {
      f->help = true;
    } else if (absl::ConsumePrefix(&a, "--format=")) {
      if (a != "auto" && a != "netlink" && a != "proto" && a != "text") {
        return absl::StrCat("unknown --format '", a, "'");
      }
      f->format = std::string(a);
    } else if (absl::ConsumePrefix(&a, "--to=")) {
      if (a != "netlink" && a != "proto") {
        return absl::StrCat("unknown --to '", a, "'");
      }
      f->to = std::string(a);
    } else if (absl::ConsumePrefix(&a, "--dialect=")) {
      if (a == "runc-1.1") {
        f->dialect = codec::RuncDialect::kRunc11;
      } else if (a == "runc-1.2") {
        f->dialect = codec::RuncDialect::kRunc12;
      } else {
        return absl::StrCat("unknown --dialect '", a, "'");
      }
    } else if (absl::ConsumePrefix(&a, "--protocol=")) {
      if (a != "native" && a != "runc-1.1" && a != "runc-1.2") {
        return absl::StrCat("unknown --protocol '", a, "'");
      }
      f->protocol = std::string(a);
    } else if (a == "--exec") {
      f->exec = true;
    } else if (a == "--json") {
      f->json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return absl::StrCat("unknown flag '", a, "'");
    } else {
      if (file_seen) return "more than one input file";
      f->file = arg;
      file_seen = true;
    }
  }
  return "";
}

// The flags a command does not take; returns an error line or empty.
std::string Unexpected(const WireFlags& f, absl::string_view command) {
  const bool plan = command == "plan";
  const bool encode = command == "encode";
  if (!encode && !f.to.empty()) return "--to is for encode";
  if (encode && f.format != "auto") return "--format is for decode";
  if (!plan && f.format == "text") return "--format=text is for plan";
  if (!plan && (!f.protocol.empty() || f.exec)) {
    return "--protocol and --exec are for plan";
  }
  if ((command == "validate" || plan) && f.json) return "--json is not taken";
  return "";
}

// Opens FILE (or returns stdin for "-"). Returns -1 with an error line.
int OpenInput(const WireFlags& f, CommandIo io, bool* owned) {
  *owned = false;
  if (f.file == "-") return io.stdin_fd;
  int fd = open(f.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    io.err << "nsboot: " << f.file << ": " << strerror(errno) << "\n";
    return -1;
  }
  *owned = true;
  return fd;
}

int ExitFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kDataLoss:
      return kExitDataErr;
    case absl::StatusCode::kInternal:
      return kExitIoErr;
    default:
      return kExitSoftware;
  }
}

const char* EncodingName(codec::Encoding e, codec::RuncDialect d) {
  if (e == codec::Encoding::kFrame) return "nsboot frame v1";
  return d == codec::RuncDialect::kRunc11 ? "runc netlink, dialect runc-1.1"
                                          : "runc netlink, dialect runc-1.2";
}

// Reads and decodes one request from the input named by `f`; on failure
// writes one error line and returns the exit status in *exit_code.
bool ReadOne(const WireFlags& f, CommandIo io, codec::ReadResult* result,
             int* exit_code) {
  bool owned;
  int fd = OpenInput(f, io, &owned);
  if (fd < 0) {
    *exit_code = kExitNoInput;
    return false;
  }
  codec::ReaderOptions options;
  options.runc_dialect = f.dialect;
  options.accept_netlink = f.format != "proto";
  options.accept_frame = f.format != "netlink";
  auto read = codec::ReadRequestFromFd(fd, options);
  bool ok = read.ok();
  if (ok) {
    *result = *std::move(read);
    char extra;
    ssize_t n;
    do {
      n = ::read(fd, &extra, 1);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      io.err << "nsboot: " << f.file << ": offset " << result->size
             << ": trailing bytes after the message\n";
      *exit_code = kExitDataErr;
      ok = false;
    }
  } else {
    io.err << "nsboot: " << f.file << ": " << read.status().message() << "\n";
    *exit_code = ExitFor(read.status());
  }
  if (owned) close(fd);
  return ok;
}

bool ReadText(const std::string& file, CommandIo io, std::string* text,
              int* exit_code) {
  WireFlags f;
  f.file = file;
  bool owned;
  int fd = OpenInput(f, io, &owned);
  if (fd < 0) {
    *exit_code = kExitNoInput;
    return false;
  }
  char buf[65536];
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      io.err << "nsboot: " << f.file << ": " << strerror(errno) << "\n";
      *exit_code = kExitIoErr;
      ok = false;
      break;
    }
    if (n == 0) break;
    if (text->size() + n > kMaxTextInput) {
      io.err << "nsboot: " << f.file << ": input over " << kMaxTextInput
             << " bytes\n";
      *exit_code = kExitDataErr;
      ok = false;
      break;
    }
    text->append(buf, n);
  }
  if (owned) close(fd);
  return ok;
}

// Collects text-format parse errors into one line.
class OneLineErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = absl::StrCat("line ", line + 1, " column ", column + 1, ": ",
                            message);
    }
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// Parses a text-proto (or JSON) request; returns an error line or empty.
std::string ParseTextRequest(const std::string& text, bool json,
                             v1::BootstrapRequest* request) {
  if (json) {
    auto parsed = google::protobuf::util::JsonStringToMessage(text, request);
    return parsed.ok() ? "" : std::string(parsed.message());
  }
  google::protobuf::TextFormat::Parser parser;
  OneLineErrors errors;
  parser.RecordErrorsTo(&errors);
  return parser.ParseFromString(text, request) ? "" : errors.first();
}

}  // namespace

bool LoadRequestFile(const std::string& file, const std::string& format,
                     codec::RuncDialect dialect, const char* who, CommandIo io,
                     LoadedRequest* out, int* exit_code) {
  std::string input;
  if (!ReadText(file, io, &input, exit_code)) return false;
  *exit_code = kExitDataErr;
  auto fail = [&](absl::string_view reason) {
    io.err << who << ": " << file << ": " << reason << "\n";
    return false;
  };
  absl::StatusOr<codec::Encoding> encoding =
      format == "text"
          ? absl::StatusOr<codec::Encoding>(absl::InvalidArgumentError("text"))
          : absl::StatusOr<codec::Encoding>(codec::DetectEncoding(input));
  if (format == "netlink" || format == "proto") {
    if (!encoding.ok() ||
        (*encoding == codec::Encoding::kNetlink) != (format == "netlink")) {
      return fail(format == "netlink" ? "offset 0: not a runc netlink message"
                                      : "offset 0: not an nsboot frame");
    }
  }
  absl::StatusOr<v1::BootstrapRequest> request;
  if (encoding.ok()) {
    out->netlink = *encoding == codec::Encoding::kNetlink;
    request = out->netlink ? codec::DecodeNetlink(input, dialect)
                           : codec::DecodeRequestFrame(input);
  } else {
    const size_t first = input.find_first_not_of(" \t\r\n");
    const bool json = first != std::string::npos && input[first] == '{';
    request.emplace();
    std::string error = ParseTextRequest(input, json, &*request);
    if (!error.empty()) return fail(error);
    absl::Status valid = codec::ValidateRequest(*request);
    if (!valid.ok()) request = valid;
  }
  if (!request.ok()) return fail(request.status().message());
  out->request = *std::move(request);
  return true;
}

int RunDecode(const std::vector<std::string>& args, CommandIo io) {
  WireFlags f;
  std::string bad = ParseFlags(args, &f);
  if (bad.empty()) bad = Unexpected(f, "decode");
  if (!bad.empty()) {
    io.err << "nsboot decode: " << bad << " (see nsboot decode --help)\n";
    return kExitUsage;
  }
  if (f.help) {
    io.out << kDecodeHelp;
    return kExitOk;
  }
  codec::ReadResult result;
  int code;
  if (!ReadOne(f, io, &result, &code)) return code;
  const v1::BootstrapRequest request = v1::ToProto(result.request);
  std::string text;
  if (f.json) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    if (!google::protobuf::util::MessageToJsonString(request, &text, options)
             .ok()) {
      io.err << "nsboot decode: cannot print JSON\n";
      return kExitSoftware;
    }
  } else {
    google::protobuf::TextFormat::PrintToString(request, &text);
    io.out << "# " << EncodingName(result.encoding, f.dialect) << ", "
           << result.size << " bytes\n";
  }
  io.out << text;
  return kExitOk;
}

int RunValidate(const std::vector<std::string>& args, CommandIo io) {
  WireFlags f;
  std::string bad = ParseFlags(args, &f);
  if (bad.empty()) bad = Unexpected(f, "validate");
  if (!bad.empty()) {
    io.err << "nsboot validate: " << bad << " (see nsboot validate --help)\n";
    return kExitUsage;
  }
  if (f.help) {
    io.out << kValidateHelp;
    return kExitOk;
  }
  codec::ReadResult result;
  int code;
  if (!ReadOne(f, io, &result, &code)) return code;
  io.out << "ok: " << EncodingName(result.encoding, f.dialect) << ", "
         << result.size << " bytes\n";
  return kExitOk;
}

int RunEncode(const std::vector<std::string>& args, CommandIo io) {
  WireFlags f;
  std::string bad = ParseFlags(args, &f);
  if (bad.empty()) bad = Unexpected(f, "encode");
  if (bad.empty() && !f.help && f.to.empty()) bad = "--to is required";
  if (!bad.empty()) {
    io.err << "nsboot encode: " << bad << " (see nsboot encode --help)\n";
    return kExitUsage;
  }
  if (f.help) {
    io.out << kEncodeHelp;
    return kExitOk;
  }
  std::string text;
  int code;
  if (!ReadText(f.file, io, &text, &code)) return code;
  v1::BootstrapRequest request;
  std::string error = ParseTextRequest(text, f.json, &request);
  if (!error.empty()) {
    io.err << "nsboot encode: " << f.file << ": " << error << "\n";
    return kExitDataErr;
  }
  auto bytes = f.to == "netlink" ? codec::EncodeNetlink(request, f.dialect)
                                 : codec::EncodeRequestFrame(request);
  if (!bytes.ok()) {
    io.err << "nsboot encode: " << bytes.status().message() << "\n";
    return kExitDataErr;
  }
  io.out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  io.out.flush();
  if (!io.out) {
    io.err << "nsboot encode: write failed\n";
    return kExitIoErr;
  }
  return kExitOk;
}

int RunPlan(const std::vector<std::string>& args, CommandIo io) {
  WireFlags f;
  std::string bad = ParseFlags(args, &f);
  if (bad.empty()) bad = Unexpected(f, "plan");
  if (!bad.empty()) {
    io.err << "nsboot plan: " << bad << " (see nsboot plan --help)\n";
    return kExitUsage;
  }
  if (f.help) {
    io.out << kPlanHelp;
    return kExitOk;
  }
  LoadedRequest loaded;
  int code;
  if (!LoadRequestFile(f.file, f.format, f.dialect, "nsboot plan", io,
                       &loaded, &code)) {
    return code;
  }
  const v1::BootstrapRequest* request = &loaded.request;

  executor::PlanOptions options;
  const bool netlink = loaded.netlink;
  std::string protocol = f.protocol;
  if (protocol.empty()) {
    protocol = !netlink ? "native"
               : f.dialect == codec::RuncDialect::kRunc11 ? "runc-1.1"
                                                          : "runc-1.2";
  }
  options.protocol = protocol == "native"     ? executor::ReplyProtocol::kNative
                     : protocol == "runc-1.1" ? executor::ReplyProtocol::kRunc11
                                              : executor::ReplyProtocol::kRunc12;
  options.finish =
      f.exec ? executor::FinishMode::kExec : executor::FinishMode::kReturn;
  // runc 1.1 passes _LIBCONTAINER_MOUNT_FDS; plan with placeholder fd
  // numbers so the plan shows where each source would land.
  for (int i = 0; i < request->mount_sources_size(); ++i) {
    options.mount_source_fds.push_back(
        request->mount_sources(i).empty() ? -1 : 100 + i);
  }
  auto plan = executor::MakePlan(*request, options);
  if (!plan.ok()) {
    io.err << "nsboot plan: " << f.file << ": " << plan.status().message()
           << "\n";
    return kExitDataErr;
  }
  io.out << executor::FormatPlan(*plan);
  return kExitOk;
}

}  // namespace cli
}  // namespace nsboot
