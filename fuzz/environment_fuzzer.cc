// The pre-main hook's environment parsing (embed/environment.h): the values
// of _LIBCONTAINER_INITPIPE, _LIBCONTAINER_LOGPIPE, _LIBCONTAINER_LOGLEVEL,
// _LIBCONTAINER_MOUNT_FDS, NSBOOT_INITPIPE, NSBOOT_SEAL_EXE and
// NSBOOT_RUNC_DIALECT come from the input, split at NUL bytes (a missing
// one is unset). Properties: no crash; what parses is in range (fds >= 0,
// mount fds >= -1 and at most kMaxMountSources, a known contract and
// dialect); ParseMountFds agrees with itself on its own canonical form; the
// inert check, NamesInitPipe, read over the same pieces as environ entries,
// agrees with a getenv-like reference (the first entry of a name decides;
// only a non-empty value counts).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "codec/limits.h"
#include "embed/environment.h"
#include "fuzz/check.h"

namespace {

constexpr const char* kNames[] = {
    "_LIBCONTAINER_INITPIPE",  "_LIBCONTAINER_LOGPIPE", "_LIBCONTAINER_LOGLEVEL",
    "_LIBCONTAINER_MOUNT_FDS", "NSBOOT_INITPIPE",       "NSBOOT_SEAL_EXE",
    "NSBOOT_RUNC_DIALECT",
};
constexpr int kNumNames = sizeof(kNames) / sizeof(kNames[0]);

// What getenv(name) would say about `entries`: the value of the first entry
// "name=...", or nullptr.
const char* Lookup(const std::vector<std::string>& entries, const char* name) {
  const size_t n = std::strlen(name);
  for (const std::string& e : entries) {
    if (e.size() > n && e.compare(0, n, name) == 0 && e[n] == '=') {
      return e.c_str() + n + 1;
    }
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // Byte 0: which variables are set (bit i) and the linked dialect.
  const uint8_t control = data[0];
  std::vector<std::string> values;
  std::string current;
  for (size_t i = 1; i < size; ++i) {
    if (data[i] == 0) {
      values.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  values.push_back(current);
  auto getenv = [&](const char* name) -> const char* {
    for (int i = 0; i < kNumNames; ++i) {
      if (std::strcmp(name, kNames[i]) != 0) continue;
      if ((control & (1u << (i % 7))) == 0 ||
          static_cast<size_t>(i) >= values.size()) {
        return nullptr;
      }
      return values[i].c_str();
    }
    return nullptr;
  };
  const int linked = (control & 0x80) ? 11 : 12;
  auto env = nsboot::embed::ParseHookEnvironment(getenv, linked);
  if (env.ok()) {
    using nsboot::embed::Contract;
    if (env->contract != Contract::kNone) {
      NSBOOT_FUZZ_CHECK(env->init_fd >= 0);
      NSBOOT_FUZZ_CHECK(env->log_fd >= -1);
    }
    NSBOOT_FUZZ_CHECK(env->mount_fds.size() <=
                      static_cast<size_t>(nsboot::codec::kMaxMountSources));
    for (int fd : env->mount_fds) NSBOOT_FUZZ_CHECK(fd >= -1);
  } else {
    NSBOOT_FUZZ_CHECK(!env.status().message().empty());
  }
  // The inert check over the pieces as an environ array.
  std::vector<char*> environ_like;
  for (std::string& v : values) environ_like.push_back(&v[0]);
  environ_like.push_back(nullptr);
  const char* runc = Lookup(values, "_LIBCONTAINER_INITPIPE");
  const char* native = Lookup(values, "NSBOOT_INITPIPE");
  const bool expected = (runc != nullptr && *runc != '\0') ||
                        (native != nullptr && *native != '\0');
  NSBOOT_FUZZ_CHECK(nsboot::embed::NamesInitPipe(environ_like.data()) ==
                    expected);
  // The mount-fd list alone, on the whole input as text.
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto fds = nsboot::embed::ParseMountFds(text.c_str());
  if (fds.ok()) {
    std::string canonical = "[";
    for (size_t i = 0; i < fds->size(); ++i) {
      canonical += (i ? "," : "") + std::to_string((*fds)[i]);
    }
    canonical += "]";
    auto again = nsboot::embed::ParseMountFds(canonical.c_str());
    NSBOOT_FUZZ_CHECK(again.ok() && *again == *fds);
  }
  return 0;
}
