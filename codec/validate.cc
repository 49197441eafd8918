#include "codec/validate.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/limits.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {
namespace {

Status Invalid(absl::string_view field, absl::string_view reason) {
  return InvalidArgumentError(StrCat(field, ": ", reason));
}

std::string Indexed(absl::string_view field, size_t index) {
  return StrCat(field, "[", index, "]");
}

// A path the bootstrap opens: absolute, no NUL, at most kMaxPathSize bytes.
Status ValidatePath(absl::string_view field, absl::string_view path) {
  if (path.empty()) return Invalid(field, "empty");
  if (path.size() > kMaxPathSize) {
    return Invalid(
        field, StrCat(path.size(), " bytes, over the limit of ", kMaxPathSize));
  }
  if (FindChar(path, '\0') != absl::string_view::npos) {
    return Invalid(field, "contains a NUL byte");
  }
  if (path[0] != '/') return Invalid(field, "not absolute");
  return OkStatus();
}

bool IsKnownNamespace(int value) {
  return value != v1::NAMESPACE_UNSPECIFIED &&
         v1::plain::IsDeclared(static_cast<v1::Namespace>(value));
}

std::string NamespaceName(int value) {
  const char* name = v1::plain::EnumName(static_cast<v1::Namespace>(value));
  return name != nullptr ? name : StrCat(value);
}

Status ValidateIdMappings(absl::string_view field,
                          const std::vector<v1::plain::IdMapping>& mappings) {
  if (mappings.size() > static_cast<size_t>(kMaxIdMappings)) {
    return Invalid(
        field, StrCat(mappings.size(), " entries, over the kernel's limit of ",
                      kMaxIdMappings));
  }
  constexpr uint64_t kIdSpace = uint64_t{1} << 32;
  for (size_t i = 0; i < mappings.size(); ++i) {
    const v1::plain::IdMapping& m = mappings[i];
    if (m.size == 0) {
      return Invalid(StrCat(Indexed(field, i), ".size"),
                     "0, must be at least 1");
    }
    if (uint64_t{m.container_id} + m.size > kIdSpace) {
      return Invalid(Indexed(field, i),
                     StrCat("container range ", m.container_id, "+", m.size,
                            " wraps past 2^32"));
    }
    if (uint64_t{m.host_id} + m.size > kIdSpace) {
      return Invalid(Indexed(field, i), StrCat("host range ", m.host_id, "+",
                                               m.size, " wraps past 2^32"));
    }
  }
  return OkStatus();
}

Status ValidateJoins(const v1::plain::BootstrapRequest& request) {
  // Index of the first join of each type; the count is bounded by the
  // number of types because a second join of a type is an error.
  int first_join[v1::Namespace_ARRAYSIZE];
  for (int& index : first_join) index = -1;
  for (size_t i = 0; i < request.join_namespaces.size(); ++i) {
    const v1::plain::NamespaceJoin& join = request.join_namespaces[i];
    const std::string field = Indexed("join_namespaces", i);
    if (!IsKnownNamespace(join.type)) {
      return Invalid(StrCat(field, ".type"),
                     StrCat("unknown namespace ", NamespaceName(join.type)));
    }
    if (first_join[join.type] >= 0) {
      return Invalid(
          StrCat(field, ".type"),
          StrCat("second join of ", NamespaceName(join.type),
                 " (first at join_namespaces[", first_join[join.type], "])"));
    }
    first_join[join.type] = static_cast<int>(i);
    switch (join.target) {
      case v1::plain::NamespaceJoin::Target::kPath:
        NSBOOT_RETURN_IF_ERROR(ValidatePath(StrCat(field, ".path"), join.path));
        break;
      case v1::plain::NamespaceJoin::Target::kPid:
        if (join.pid <= 0) {
          return Invalid(StrCat(field, ".pid"),
                         StrCat(join.pid, ", must be positive"));
        }
        break;
      case v1::plain::NamespaceJoin::Target::kPidfd:
        if (join.pidfd < 0) {
          return Invalid(StrCat(field, ".pidfd"),
                         StrCat(join.pidfd, ", must be >= 0"));
        }
        break;
      case v1::plain::NamespaceJoin::Target::kNone:
        return Invalid(field, "no path, pid or pidfd");
    }
  }
  return OkStatus();
}

Status ValidateTimeOffsets(const v1::plain::BootstrapRequest& request) {
  bool seen[v1::TimeClock_ARRAYSIZE] = {};
  for (size_t i = 0; i < request.time_offsets.size(); ++i) {
    const v1::plain::TimeOffset& offset = request.time_offsets[i];
    const std::string field = Indexed("time_offsets", i);
    if (offset.clock == v1::TIME_CLOCK_UNSPECIFIED ||
        !v1::plain::IsDeclared(offset.clock)) {
      return Invalid(StrCat(field, ".clock"),
                     StrCat("unknown clock ", offset.clock));
    }
    if (seen[offset.clock]) {
      return Invalid(
          StrCat(field, ".clock"),
          StrCat("second offset for ", v1::plain::EnumName(offset.clock)));
    }
    seen[offset.clock] = true;
    if (offset.nanoseconds < 0 || offset.nanoseconds >= kNanosecondsPerSecond) {
      return Invalid(
          StrCat(field, ".nanoseconds"),
          StrCat(offset.nanoseconds, ", must be in [0, 1000000000)"));
    }
  }
  return OkStatus();
}

Status ValidateMountSources(const v1::plain::BootstrapRequest& request) {
  if (request.mount_sources.size() > static_cast<size_t>(kMaxMountSources)) {
    return Invalid("mount_sources",
                   StrCat(request.mount_sources.size(),
                          " entries, over the limit of ", kMaxMountSources));
  }
  for (size_t i = 0; i < request.mount_sources.size(); ++i) {
    const std::string& source = request.mount_sources[i];
    if (source.empty()) continue;  // a mount that is not a bind mount
    NSBOOT_RETURN_IF_ERROR(ValidatePath(Indexed("mount_sources", i), source));
  }
  return OkStatus();
}

Status ValidateOptions(const v1::plain::Options& options,
                       uint32_t schema_version) {
  if (options.skip_namespace_ids && schema_version < 2) {
    return Invalid("options.skip_namespace_ids",
                   "a schema_version 2 field in a version 1 request");
  }
  if (!v1::plain::IsDeclared(options.log_level)) {
    return Invalid("options.log_level",
                   StrCat("unknown log level ", options.log_level));
  }
  if (options.parent_death_signal < 0 ||
      options.parent_death_signal > kMaxSignal) {
    return Invalid(
        "options.parent_death_signal",
        StrCat(options.parent_death_signal, ", must be 0..", kMaxSignal));
  }
  return OkStatus();
}

Status ValidateNetlinkLayout(const v1::plain::NetlinkLayout& layout) {
  if (layout.attribute_order.size() >
      static_cast<size_t>(kMaxNetlinkAttributes)) {
    return Invalid("netlink_layout.attribute_order",
                   StrCat(layout.attribute_order.size(), " entries, at most ",
                          kMaxNetlinkAttributes));
  }
  constexpr int kTypes =
      kLastNetlinkAttributeType - kFirstNetlinkAttributeType + 1;
  bool seen[kTypes] = {};
  for (size_t i = 0; i < layout.attribute_order.size(); ++i) {
    const uint32_t type = layout.attribute_order[i];
    const std::string field = Indexed("netlink_layout.attribute_order", i);
    if (type < kFirstNetlinkAttributeType || type > kLastNetlinkAttributeType) {
      return Invalid(field, StrCat("unknown attribute type ", type));
    }
    if (seen[type - kFirstNetlinkAttributeType]) {
      return Invalid(field, StrCat("attribute type ", type, " listed twice"));
    }
    seen[type - kFirstNetlinkAttributeType] = true;
  }
  if (layout.flags.value_or(0) > 0xFFFF) {
    return Invalid("netlink_layout.flags",
                   StrCat(*layout.flags, " does not fit in 16 bits"));
  }
  return OkStatus();
}

}  // namespace

Status ValidateRequest(const v1::plain::BootstrapRequest& request) {
  if (request.schema_version > kMaxSchemaVersion) {
    return Invalid("schema_version", StrCat(request.schema_version,
                                            " is not supported (0, 1 or 2)"));
  }

  uint32_t created = 0;  // bit per Namespace value
  for (size_t i = 0; i < request.create_namespaces.size(); ++i) {
    const int type = request.create_namespaces[i];
    if (!IsKnownNamespace(type)) {
      return Invalid(Indexed("create_namespaces", i),
                     StrCat("unknown namespace ", NamespaceName(type)));
    }
    if (created & (1u << type)) {
      return Invalid(Indexed("create_namespaces", i),
                     StrCat("duplicate ", NamespaceName(type)));
    }
    created |= 1u << type;
  }

  NSBOOT_RETURN_IF_ERROR(ValidateJoins(request));
  NSBOOT_RETURN_IF_ERROR(
      ValidateIdMappings("uid_mappings", request.uid_mappings));
  NSBOOT_RETURN_IF_ERROR(
      ValidateIdMappings("gid_mappings", request.gid_mappings));

  if (!v1::plain::IsDeclared(request.setgroups)) {
    return Invalid("setgroups", StrCat("unknown policy ", request.setgroups));
  }
  if (request.oom_score_adj.has_value() &&
      (*request.oom_score_adj < kMinOomScoreAdj ||
       *request.oom_score_adj > kMaxOomScoreAdj)) {
    return Invalid("oom_score_adj",
                   StrCat(*request.oom_score_adj, ", must be ", kMinOomScoreAdj,
                          "..", kMaxOomScoreAdj));
  }
  if (!request.uidmap_helper.empty()) {
    NSBOOT_RETURN_IF_ERROR(
        ValidatePath("uidmap_helper", request.uidmap_helper));
  }
  if (!request.gidmap_helper.empty()) {
    NSBOOT_RETURN_IF_ERROR(
        ValidatePath("gidmap_helper", request.gidmap_helper));
  }
  NSBOOT_RETURN_IF_ERROR(ValidateTimeOffsets(request));
  NSBOOT_RETURN_IF_ERROR(ValidateMountSources(request));
  if (request.options.has_value()) {
    NSBOOT_RETURN_IF_ERROR(
        ValidateOptions(*request.options, request.schema_version));
  }
  if (request.netlink_layout.has_value()) {
    NSBOOT_RETURN_IF_ERROR(ValidateNetlinkLayout(*request.netlink_layout));
  }
  return OkStatus();
}

}  // namespace codec
}  // namespace nsboot
