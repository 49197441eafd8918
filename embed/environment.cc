#include "embed/environment.h"

#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>

#include "codec/limits.h"
#include "common/decimal.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"

namespace nsboot {
namespace embed {
namespace {

// Canonical non-negative decimal (no sign, no leading zero) below INT_MAX.
bool ParseNonNegative(const char* s, const char** end, int* out) {
  uint64_t value;
  if (!ParseCanonicalDecimal(s, INT_MAX - 1, end, &value)) return false;
  *out = static_cast<int>(value);
  return true;
}

// 0: `entry` is not name=..., 1: it is, with an empty value, 2: non-empty.
int MatchEntry(const char* entry, const char* name) {
  while (*name != '\0') {
    if (*entry++ != *name++) return 0;
  }
  if (*entry != '=') return 0;
  return entry[1] == '\0' ? 1 : 2;
}

StatusOr<int> ParseFd(const char* name, const char* value) {
  const char* end;
  int fd;
  if (!ParseNonNegative(value, &end, &fd) || *end != '\0') {
    return InvalidArgumentError(
        StrCat(name, "=\"", value, "\": not a file descriptor number"));
  }
  return fd;
}

bool Set(const char* v) { return v != nullptr && *v != '\0'; }

}  // namespace

bool NamesInitPipe(char* const* env) {
  if (env == nullptr) return false;
  int runc = 0;  // MatchEntry of the first entry of each name; 0 if none
  int native = 0;
  for (; *env != nullptr; ++env) {
    const char* entry = *env;
    if (entry[0] == '_' && entry[1] == 'L' && runc == 0) {
      runc = MatchEntry(entry, "_LIBCONTAINER_INITPIPE");
    } else if (entry[0] == 'N' && entry[1] == 'S' && native == 0) {
      native = MatchEntry(entry, "NSBOOT_INITPIPE");
    }
  }
  return runc == 2 || native == 2;
}

StatusOr<std::vector<int>> ParseMountFds(const char* text) {
  std::vector<int> fds;
  const char* p = text;
  if (*p++ != '[') {
    return InvalidArgumentError("_LIBCONTAINER_MOUNT_FDS: missing '['");
  }
  if (*p == ']' && p[1] == '\0') return fds;
  for (;;) {
    if (static_cast<int>(fds.size()) >= codec::kMaxMountSources) {
      return InvalidArgumentError(StrCat("_LIBCONTAINER_MOUNT_FDS: more than ",
                                         codec::kMaxMountSources, " entries"));
    }
    int fd;
    const char* end;
    if (p[0] == '-' && p[1] == '1' && (p[2] < '0' || p[2] > '9')) {
      fd = -1;
      end = p + 2;
    } else if (!ParseNonNegative(p, &end, &fd)) {
      return InvalidArgumentError(StrCat("_LIBCONTAINER_MOUNT_FDS: offset ",
                                         p - text, ": not an fd number or -1"));
    }
    fds.push_back(fd);
    p = end;
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p == ']' && p[1] == '\0') return fds;
    return InvalidArgumentError(StrCat("_LIBCONTAINER_MOUNT_FDS: offset ",
                                       p - text, ": expected ',' or ']'"));
  }
}

StatusOr<HookEnvironment> ParseHookEnvironment(const GetEnv& getenv,
                                               int linked_dialect) {
  HookEnvironment env;
  const char* runc_pipe = getenv("_LIBCONTAINER_INITPIPE");
  const char* native_pipe = getenv("NSBOOT_INITPIPE");
  if (Set(runc_pipe) && Set(native_pipe)) {
    return InvalidArgumentError(
        "both _LIBCONTAINER_INITPIPE and NSBOOT_INITPIPE are set");
  }
  if (!Set(runc_pipe) && !Set(native_pipe)) return env;

  int dialect = linked_dialect;
  if (const char* d = getenv("NSBOOT_RUNC_DIALECT"); Set(d)) {
    if (std::strcmp(d, "11") == 0) {
      dialect = 11;
    } else if (std::strcmp(d, "12") == 0) {
      dialect = 12;
    } else {
      return InvalidArgumentError(
          StrCat("NSBOOT_RUNC_DIALECT=\"", d, "\": want 11 or 12"));
    }
  }
  if (dialect != 11 && dialect != 12) {
    return InvalidArgumentError(StrCat("nsboot_runc_dialect is ", dialect,
                                       ": a host must define 11 or 12"));
  }
  env.dialect = dialect == 11 ? codec::RuncDialect::kRunc11
                              : codec::RuncDialect::kRunc12;

  if (Set(native_pipe)) {
    env.contract = Contract::kNative;
    NSBOOT_ASSIGN_OR_RETURN(env.init_fd,
                            ParseFd("NSBOOT_INITPIPE", native_pipe));
    const char* seal = getenv("NSBOOT_SEAL_EXE");
    if (Set(seal)) {
      if (std::strcmp(seal, "1") != 0 && std::strcmp(seal, "0") != 0) {
        return InvalidArgumentError(
            StrCat("NSBOOT_SEAL_EXE=\"", seal, "\": want 0 or 1"));
      }
      env.seal_requested = seal[0] == '1';
    }
    return env;
  }

  env.contract = Contract::kRunc;
  NSBOOT_ASSIGN_OR_RETURN(env.init_fd,
                          ParseFd("_LIBCONTAINER_INITPIPE", runc_pipe));
  if (const char* log = getenv("_LIBCONTAINER_LOGPIPE"); Set(log)) {
    NSBOOT_ASSIGN_OR_RETURN(env.log_fd, ParseFd("_LIBCONTAINER_LOGPIPE", log));
  }
  if (const char* level = getenv("_LIBCONTAINER_LOGLEVEL"); Set(level)) {
    NSBOOT_ASSIGN_OR_RETURN(int logrus,
                            ParseFd("_LIBCONTAINER_LOGLEVEL", level));
    // logrus: 0 panic, 1 fatal, 2 error, 3 warning, 4 info, 5 debug,
    // 6 trace; v1::LogLevel is the same order shifted by one.
    if (logrus > 6) {
      return InvalidArgumentError(
          StrCat("_LIBCONTAINER_LOGLEVEL=", logrus, ": above 6 (trace)"));
    }
    env.log_level = static_cast<v1::LogLevel>(logrus + 1);
  }
  if (const char* fds = getenv("_LIBCONTAINER_MOUNT_FDS"); Set(fds)) {
    NSBOOT_ASSIGN_OR_RETURN(env.mount_fds, ParseMountFds(fds));
    env.has_mount_fds = true;
  }
  return env;
}

}  // namespace embed
}  // namespace nsboot
