// Plain C++ mirrors of the v1 messages, for code that must not carry the
// protobuf runtime: the pre-main hook and everything it runs (the codecs'
// decoders, validation, the executor). Linking libprotobuf costs every start
// of a host ~0.3 ms even when the hook stays inert (descriptor registration,
// relocations of a multi-megabyte image; docs/BENCHMARKS.md), so that path
// decodes into these structs instead of generated messages.
//
// One struct per message, one member per field, same names and types as the
// generated accessors. Enums are the generated enum types (header only: code
// on the lean path must not call generated functions such as Step_Name or
// Namespace_IsValid, which live in bootstrap.pb.cc). proto3 enums are open:
// a member may hold any int32 the wire carried, as in the generated classes.
// Fields with presence (proto3 `optional`, message fields) are
// absl::optional. plain_convert.h converts to and from the generated classes;
// its test fails when the schema gains a field this file lacks.
#ifndef NSBOOT_PROTO_NSBOOT_V1_PLAIN_H_
#define NSBOOT_PROTO_NSBOOT_V1_PLAIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/optional.h"

// The generated header, for its enum types only. protobuf's headers include
// <iostream>, whose per-file std::ios_base::Init object would make every
// start of a host that links the hook build libstdc++'s standard streams
// and locale (~0.14 ms, docs/BENCHMARKS.md). Nothing here uses iostreams, so
// libstdc++'s include guard is set around it; a later #include <iostream> in
// the same file still works. //embed:link_test checks that no
// std::ios_base::Init is linked into a host.
#ifndef _GLIBCXX_IOSTREAM
#define _GLIBCXX_IOSTREAM 1
#define NSBOOT_PLAIN_SUPPRESSED_IOSTREAM_
#endif
#include "proto/nsboot/v1/bootstrap.pb.h"  // NOLINT(build/include_order)
#ifdef NSBOOT_PLAIN_SUPPRESSED_IOSTREAM_
#undef _GLIBCXX_IOSTREAM
#undef NSBOOT_PLAIN_SUPPRESSED_IOSTREAM_
#endif

namespace nsboot {
namespace v1 {
namespace plain {

struct NamespaceJoin {
  // The set member of the `target` oneof; the values are the field numbers,
  // as in the generated TargetCase.
  enum class Target { kNone = 0, kPath = 2, kPid = 3, kPidfd = 4 };

  Namespace type = NAMESPACE_UNSPECIFIED;
  Target target = Target::kNone;
  std::string path;   // Target::kPath
  int32_t pid = 0;    // Target::kPid
  int32_t pidfd = 0;  // Target::kPidfd

  bool operator==(const NamespaceJoin& o) const {
    return type == o.type && target == o.target && path == o.path &&
           pid == o.pid && pidfd == o.pidfd;
  }
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;

  bool operator==(const IdMapping& o) const {
    return container_id == o.container_id && host_id == o.host_id &&
           size == o.size;
  }
};

struct TimeOffset {
  TimeClock clock = TIME_CLOCK_UNSPECIFIED;
  int64_t seconds = 0;
  int64_t nanoseconds = 0;

  bool operator==(const TimeOffset& o) const {
    return clock == o.clock && seconds == o.seconds &&
           nanoseconds == o.nanoseconds;
  }
};

struct Options {
  bool seal_exe = false;
  int32_t parent_death_signal = 0;
  LogLevel log_level = LOG_LEVEL_UNSPECIFIED;
  bool reply_pidfds = false;
  bool skip_namespace_ids = false;  // schema version 2

  bool operator==(const Options& o) const {
    return seal_exe == o.seal_exe &&
           parent_death_signal == o.parent_death_signal &&
           log_level == o.log_level && reply_pidfds == o.reply_pidfds &&
           skip_namespace_ids == o.skip_namespace_ids;
  }
};

struct NetlinkLayout {
  std::vector<uint32_t> attribute_order;
  absl::optional<uint32_t> flags;
  absl::optional<uint32_t> sequence;
  absl::optional<uint32_t> port;

  bool operator==(const NetlinkLayout& o) const {
    return attribute_order == o.attribute_order && flags == o.flags &&
           sequence == o.sequence && port == o.port;
  }
};

struct BootstrapRequest {
  uint32_t schema_version = 0;
  std::vector<Namespace> create_namespaces;
  std::vector<NamespaceJoin> join_namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  SetgroupsPolicy setgroups = SETGROUPS_UNSPECIFIED;
  absl::optional<int32_t> oom_score_adj;
  absl::optional<bool> rootless_euid;
  std::string uidmap_helper;
  std::string gidmap_helper;
  std::vector<TimeOffset> time_offsets;
  std::vector<std::string> mount_sources;
  absl::optional<Options> options;
  absl::optional<NetlinkLayout> netlink_layout;

  // options, or the defaults when absent (as the generated accessor).
  const Options& options_or_default() const {
    static const Options kDefault;  // trivially destructible members only
    return options.has_value() ? *options : kDefault;
  }

  bool operator==(const BootstrapRequest& o) const {
    return schema_version == o.schema_version &&
           create_namespaces == o.create_namespaces &&
           join_namespaces == o.join_namespaces &&
           uid_mappings == o.uid_mappings && gid_mappings == o.gid_mappings &&
           setgroups == o.setgroups && oom_score_adj == o.oom_score_adj &&
           rootless_euid == o.rootless_euid &&
           uidmap_helper == o.uidmap_helper &&
           gidmap_helper == o.gidmap_helper && time_offsets == o.time_offsets &&
           mount_sources == o.mount_sources && options == o.options &&
           netlink_layout == o.netlink_layout;
  }
  bool operator!=(const BootstrapRequest& o) const { return !(*this == o); }
};

struct Ready {
  std::vector<uint32_t> schema_versions;
};

struct NamespaceId {
  Namespace type = NAMESPACE_UNSPECIFIED;
  uint64_t inode = 0;
  uint64_t device = 0;
};

struct Pids {
  int32_t stage1_pid = 0;
  int32_t stage2_pid = 0;
  std::vector<NamespaceId> namespaces;
  bool pidfds_attached = false;
};

struct LogRecord {
  LogLevel level = LOG_LEVEL_UNSPECIFIED;
  Stage stage = STAGE_UNSPECIFIED;
  int32_t pid = 0;
  std::string message;
};

struct Error {
  Stage stage = STAGE_UNSPECIFIED;
  Step step = STEP_UNSPECIFIED;
  int32_t errno_value = 0;
  int32_t code = 0;
  std::string message;
  absl::optional<uint64_t> byte_offset;
  int32_t stage1_pid = 0;
  int32_t stage2_pid = 0;
};

struct BootstrapReply {
  // The set member of the `reply` oneof; values are the field numbers.
  enum class Kind { kNone = 0, kReady = 1, kPids = 2, kLog = 3, kError = 4 };

  Kind kind = Kind::kNone;
  Ready ready;    // Kind::kReady
  Pids pids;      // Kind::kPids
  LogRecord log;  // Kind::kLog
  Error error;    // Kind::kError
};

// The enumerator's name ("NAMESPACE_MOUNT", "STEP_SETNS"), as the generated
// *_Name functions return it; nullptr for a value the schema does not
// declare (open enums carry any int32). For code that must not call
// generated functions; plain_test compares them with the generated ones.
const char* EnumName(Namespace value);
const char* EnumName(SetgroupsPolicy value);
const char* EnumName(TimeClock value);
const char* EnumName(LogLevel value);
const char* EnumName(Stage value);
const char* EnumName(Step value);

// Declared by the schema (what the generated *_IsValid says).
template <typename Enum>
bool IsDeclared(Enum value) {
  return EnumName(value) != nullptr;
}

}  // namespace plain
}  // namespace v1
}  // namespace nsboot

#endif  // NSBOOT_PROTO_NSBOOT_V1_PLAIN_H_
