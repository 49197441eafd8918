#include "codec/netlink.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/limits.h"
#include "codec/validate.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {
namespace {

constexpr uint32_t kNlaHeaderSize = 4;
// Int32msg and Boolmsg: a 4-byte header and a u32.
constexpr uint32_t kFixedAttributeSize = 8;
constexpr uint64_t kIdSpace = uint64_t{1} << 32;

constexpr uint32_t Align4(uint32_t n) { return (n + 3u) & ~3u; }

uint16_t LoadU16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void AppendU16(uint16_t v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

void AppendU32(uint32_t v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

struct NamespaceInfo {
  v1::Namespace type;
  uint32_t clone_flag;
  absl::string_view name;  // in /proc/PID/ns and runc's NS_PATHS
};

// Ascending enum value, which is the order of create_namespaces after a
// netlink round trip.
constexpr NamespaceInfo kNamespaces[] = {
    {v1::NAMESPACE_MOUNT, 0x00020000, "mnt"},
    {v1::NAMESPACE_UTS, 0x04000000, "uts"},
    {v1::NAMESPACE_IPC, 0x08000000, "ipc"},
    {v1::NAMESPACE_USER, 0x10000000, "user"},
    {v1::NAMESPACE_PID, 0x20000000, "pid"},
    {v1::NAMESPACE_NET, 0x40000000, "net"},
    {v1::NAMESPACE_CGROUP, 0x02000000, "cgroup"},
    {v1::NAMESPACE_TIME, 0x00000080, "time"},
};
constexpr uint32_t kAllCloneNewFlags = 0x7E020080;

const NamespaceInfo* FindNamespace(int type) {
  for (const NamespaceInfo& info : kNamespaces) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

const NamespaceInfo* FindNamespaceByName(absl::string_view name) {
  for (const NamespaceInfo& info : kNamespaces) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string AttributeName(uint16_t type, RuncDialect dialect) {
  absl::string_view name;
  switch (type) {
    case kCloneFlagsAttr: name = "CLONE_FLAGS"; break;
    case kNsPathsAttr: name = "NS_PATHS"; break;
    case kUidmapAttr: name = "UIDMAP"; break;
    case kGidmapAttr: name = "GIDMAP"; break;
    case kSetgroupAttr: name = "SETGROUP"; break;
    case kOomScoreAdjAttr: name = "OOM_SCORE_ADJ"; break;
    case kRootlessEuidAttr: name = "ROOTLESS_EUID"; break;
    case kUidmapPathAttr: name = "UIDMAPPATH"; break;
    case kGidmapPathAttr: name = "GIDMAPPATH"; break;
    case kMountSourcesAttr:
      name = dialect == RuncDialect::kRunc11 ? "MOUNT_SOURCES (runc 1.1)"
                                             : "TIMENSOFFSET (runc 1.2+)";
      break;
    default: name = "attribute"; break;
  }
  return StrCat(name, " ", type);
}

bool IsValidDialect(RuncDialect dialect) {
  return dialect == RuncDialect::kRunc11 || dialect == RuncDialect::kRunc12;
}

// At most this many bytes of peer-supplied text are quoted in an error.
constexpr size_t kMaxQuote = 32;

std::string Quote(absl::string_view text) {
  std::string quoted =
      StrCat("\"", CHexEscape(text.substr(0, kMaxQuote)), "\"");
  if (text.size() > kMaxQuote) quoted += "...";
  return quoted;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

// Reads a canonical unsigned decimal (digits only; no sign, no leading zero
// except "0" itself) at text[*pos], advancing *pos past it. Returns nullptr,
// or the reason it failed with *pos left at the number's start.
// Security: the digit loop is bounded by the check against `max` before
// every multiplication, so no input overflows.
const char* ReadUnsigned(absl::string_view text, size_t* pos, uint64_t max,
                         uint64_t* value) {
  size_t i = *pos;
  if (i >= text.size() || text[i] < '0' || text[i] > '9') {
    return "expected a decimal number";
  }
  if (text[i] == '0' && i + 1 < text.size() && text[i + 1] >= '0' &&
      text[i + 1] <= '9') {
    return "leading zero (not canonical decimal)";
  }
  uint64_t v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (digit > max || v > (max - digit) / 10) return "number out of range";
    v = v * 10 + digit;
  }
  *value = v;
  *pos = i;
  return nullptr;
}

// Like ReadUnsigned with an optional '-' ("-0" is not canonical).
const char* ReadSigned(absl::string_view text, size_t* pos, int64_t min,
                       int64_t max, int64_t* value) {
  size_t i = *pos;
  const bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  uint64_t magnitude;
  const uint64_t limit = negative ? uint64_t{0} - static_cast<uint64_t>(min)
                                  : static_cast<uint64_t>(max);
  if (const char* why = ReadUnsigned(text, &i, limit, &magnitude)) return why;
  if (negative && magnitude == 0) return "\"-0\" is not canonical decimal";
  *value = negative ? static_cast<int64_t>(uint64_t{0} - magnitude)
                    : static_cast<int64_t>(magnitude);
  *pos = i;
  return nullptr;
}

// "0x%08x".
std::string Hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

const char* Describe(char c) { return c == ' ' ? "a space" : "a newline"; }

class Decoder {
 public:
  Decoder(absl::string_view message, RuncDialect dialect,
          v1::plain::BootstrapRequest* request)
      : message_(message), dialect_(dialect), request_(request) {}

  Status Run(uint32_t length);

 private:
  Status DecodeAttribute(uint32_t offset, uint16_t type,
                         absl::string_view payload);

  // An error about the attribute at `offset`.
  Status Error(uint64_t offset, absl::string_view reason) const {
    return DecodeError(offset,
                       StrCat(AttributeName(type_, dialect_), ": ", reason));
  }

  StatusOr<uint32_t> FixedU32(absl::string_view payload) const;
  StatusOr<bool> Bool(absl::string_view payload) const;
  // The text of a Bytemsg, without its terminating NUL. With
  // `allow_inner_nul` (the mount source list) other NULs may occur.
  StatusOr<absl::string_view> Text(absl::string_view payload,
                                   bool allow_inner_nul) const;
  Status CheckPath(uint64_t offset, absl::string_view what,
                   absl::string_view path) const;

  Status DecodeCloneFlags(absl::string_view payload);
  Status DecodeNsPaths(absl::string_view text);
  Status DecodeIdMap(absl::string_view text,
                     std::vector<v1::plain::IdMapping>* mappings);
  Status DecodeOomScoreAdj(absl::string_view text);
  Status DecodeMountSources(absl::string_view text);
  Status DecodeTimeOffsets(absl::string_view text);

  absl::string_view message_;
  RuncDialect dialect_;
  v1::plain::BootstrapRequest* request_;
  // The attribute being decoded: its offset, type and payload offset.
  uint32_t offset_ = 0;
  uint16_t type_ = 0;
  uint32_t base_ = 0;
};

Status Decoder::Run(uint32_t length) {
  // Offset of the first occurrence of each attribute type, 0 if none yet.
  uint32_t first_offset[kMaxNetlinkAttributes] = {};
  uint32_t offset = kNetlinkHeaderSize;
  // Security: the loop advances by at least 4 bytes per attribute (nla_len
  // >= 4 is checked before the step is taken; runc's C spins forever on
  // nla_len 0), so it runs at most (length - 16) / 4 times; with unknown
  // types and duplicates rejected it actually stops after 10 attributes.
  while (offset < length) {
    const uint32_t remaining = length - offset;
    if (remaining < kNlaHeaderSize) {
      return DecodeError(offset, StrCat("truncated attribute header: ",
                                        remaining, " bytes left, 4 needed"));
    }
    // Security: nla_len is peer-controlled. It is checked against the bytes
    // actually present before any payload byte is touched.
    const uint16_t nla_len = LoadU16(message_.data() + offset);
    const uint16_t type = LoadU16(message_.data() + offset + 2);
    if (nla_len < kNlaHeaderSize) {
      return DecodeError(offset, StrCat("nla_len ", nla_len,
                                        " is shorter than the 4-byte attribute "
                                        "header"));
    }
    if (nla_len > remaining) {
      return DecodeError(offset, StrCat("nla_len ", nla_len,
                                        " runs past the end of the "
                                        "message (",
                                        remaining, " bytes left)"));
    }
    const uint32_t padded = Align4(nla_len);
    if (padded > remaining) {
      return DecodeError(offset + nla_len,
                         StrCat("attribute padding missing: ", padded - nla_len,
                                " zero bytes needed after nla_len ", nla_len,
                                ", ", remaining - nla_len, " left"));
    }
    for (uint32_t i = nla_len; i < padded; ++i) {
      if (message_[offset + i] != '\0') {
        return DecodeError(offset + i, "nonzero attribute padding byte");
      }
    }
    if (type < kFirstNetlinkAttributeType || type > kLastNetlinkAttributeType) {
      return DecodeError(offset, StrCat("unknown attribute type ", type));
    }
    const int index = type - kFirstNetlinkAttributeType;
    if (first_offset[index] != 0) {
      return DecodeError(
          offset, StrCat("duplicate ", AttributeName(type, dialect_),
                         " (first at offset ", first_offset[index],
                         "); runc's C parser would let the last one win"));
    }
    first_offset[index] = offset;
    NSBOOT_RETURN_IF_ERROR(DecodeAttribute(
        offset, type,
        message_.substr(offset + kNlaHeaderSize, nla_len - kNlaHeaderSize)));
    request_->netlink_layout->attribute_order.push_back(type);
    offset += padded;
  }
  return OkStatus();
}

StatusOr<uint32_t> Decoder::FixedU32(absl::string_view payload) const {
  if (payload.size() + kNlaHeaderSize != kFixedAttributeSize) {
    return Error(offset_, StrCat("nla_len ", payload.size() + kNlaHeaderSize,
                                 ", must be 8 (a u32)"));
  }
  return LoadU32(payload.data());
}

StatusOr<bool> Decoder::Bool(absl::string_view payload) const {
  NSBOOT_ASSIGN_OR_RETURN(uint32_t value, FixedU32(payload));
  if (value > 1) {
    return Error(base_, StrCat("value ", value, ", a bool must be 0 or 1"));
  }
  return value == 1;
}

StatusOr<absl::string_view> Decoder::Text(absl::string_view payload,
                                          bool allow_inner_nul) const {
  if (payload.empty() || payload.back() != '\0') {
    return Error(offset_, "text does not end with a NUL byte");
  }
  absl::string_view text = payload.substr(0, payload.size() - 1);
  if (!allow_inner_nul) {
    const void* nul = std::memchr(text.data(), '\0', text.size());
    if (nul != nullptr) {
      return Error(base_ + (static_cast<const char*>(nul) - text.data()),
                   "NUL byte inside the text");
    }
  }
  return text;
}

Status Decoder::CheckPath(uint64_t offset, absl::string_view what,
                          absl::string_view path) const {
  if (path.empty()) return Error(offset, StrCat(what, " is empty"));
  if (path[0] != '/') {
    return Error(offset, StrCat(what, " ", Quote(path), " is not absolute"));
  }
  if (path.size() > kMaxPathSize) {
    return Error(offset, StrCat(what, " is ", path.size(),
                                " bytes, over the limit of ", kMaxPathSize));
  }
  return OkStatus();
}

Status Decoder::DecodeAttribute(uint32_t offset, uint16_t type,
                                absl::string_view payload) {
  offset_ = offset;
  type_ = type;
  base_ = offset + kNlaHeaderSize;
  switch (type) {
    case kCloneFlagsAttr:
      return DecodeCloneFlags(payload);
    case kSetgroupAttr: {
      NSBOOT_ASSIGN_OR_RETURN(bool allow, Bool(payload));
      request_->setgroups = allow ? v1::SETGROUPS_ALLOW : v1::SETGROUPS_DENY;
      return OkStatus();
    }
    case kRootlessEuidAttr: {
      NSBOOT_ASSIGN_OR_RETURN(bool rootless, Bool(payload));
      request_->rootless_euid = rootless;
      return OkStatus();
    }
    case kMountSourcesAttr:  // == kTimeOffsetsAttr
      if (dialect_ == RuncDialect::kRunc11) {
        NSBOOT_ASSIGN_OR_RETURN(absl::string_view text, Text(payload, true));
        return DecodeMountSources(text);
      } else {
        NSBOOT_ASSIGN_OR_RETURN(absl::string_view text, Text(payload, false));
        return DecodeTimeOffsets(text);
      }
    default:
      break;
  }
  NSBOOT_ASSIGN_OR_RETURN(absl::string_view text, Text(payload, false));
  switch (type) {
    case kNsPathsAttr:
      return DecodeNsPaths(text);
    case kUidmapAttr:
      return DecodeIdMap(text, &request_->uid_mappings);
    case kGidmapAttr:
      return DecodeIdMap(text, &request_->gid_mappings);
    case kOomScoreAdjAttr:
      return DecodeOomScoreAdj(text);
    case kUidmapPathAttr:
      NSBOOT_RETURN_IF_ERROR(CheckPath(base_, "helper path", text));
      request_->uidmap_helper.assign(text.data(), text.size());
      return OkStatus();
    case kGidmapPathAttr:
      NSBOOT_RETURN_IF_ERROR(CheckPath(base_, "helper path", text));
      request_->gidmap_helper.assign(text.data(), text.size());
      return OkStatus();
    default:
      // Unreachable: the caller checked the type range.
      return Error(offset_, "unhandled attribute type");
  }
}

Status Decoder::DecodeCloneFlags(absl::string_view payload) {
  NSBOOT_ASSIGN_OR_RETURN(uint32_t flags, FixedU32(payload));
  if ((flags & ~kAllCloneNewFlags) != 0) {
    return Error(base_, StrCat("bits ", Hex32(flags & ~kAllCloneNewFlags),
                               " are not CLONE_NEW* flags"));
  }
  for (const NamespaceInfo& info : kNamespaces) {
    if (flags & info.clone_flag)
      request_->create_namespaces.push_back(info.type);
  }
  return OkStatus();
}

Status Decoder::DecodeNsPaths(absl::string_view text) {
  if (text.empty()) return Error(offset_, "empty namespace list");
  uint32_t seen = 0;  // bit per Namespace value
  size_t start = 0;
  // Security: each entry names a distinct namespace type, so at most 8
  // entries are accepted whatever the text claims.
  while (true) {
    size_t end = FindChar(text, ',', start);
    if (end == absl::string_view::npos) end = text.size();
    const absl::string_view entry = text.substr(start, end - start);
    const uint64_t at = base_ + start;
    if (entry.empty()) return Error(at, "empty entry");
    const size_t colon = FindChar(entry, ':');
    if (colon == absl::string_view::npos) {
      return Error(at, StrCat("entry ", Quote(entry), " is not \"name:path\""));
    }
    const absl::string_view name = entry.substr(0, colon);
    const NamespaceInfo* info = FindNamespaceByName(name);
    if (info == nullptr) {
      return Error(at, StrCat("unknown namespace name ", Quote(name)));
    }
    if (seen & (1u << info->type)) {
      return Error(at, StrCat("second entry for ", info->name));
    }
    seen |= 1u << info->type;
    const absl::string_view path = entry.substr(colon + 1);
    NSBOOT_RETURN_IF_ERROR(CheckPath(at + colon + 1, "path", path));
    v1::plain::NamespaceJoin& join = request_->join_namespaces.emplace_back();
    join.type = info->type;
    join.target = v1::plain::NamespaceJoin::Target::kPath;
    join.path.assign(path.data(), path.size());
    if (end == text.size()) break;
    start = end + 1;
  }
  return OkStatus();
}

Status Decoder::DecodeIdMap(absl::string_view text,
                            std::vector<v1::plain::IdMapping>* mappings) {
  if (text.empty()) return Error(offset_, "no mappings");
  size_t pos = 0;
  int line = 0;
  // Security: the line count is checked before each line is added.
  while (pos < text.size()) {
    ++line;
    if (line > kMaxIdMappings) {
      return Error(base_ + pos, StrCat("more than ", kMaxIdMappings,
                                       " lines (the kernel's limit)"));
    }
    const size_t line_start = pos;
    uint64_t ids[3];
    static constexpr absl::string_view kFields[3] = {"container id",
                                                     "host id", "size"};
    for (int field = 0; field < 3; ++field) {
      const size_t field_start = pos;
      if (const char* why =
              ReadUnsigned(text, &pos, kIdSpace - 1, &ids[field])) {
        return Error(base_ + field_start,
                     StrCat("line ", line, ": ", kFields[field], ": ", why));
      }
      const char separator = field < 2 ? ' ' : '\n';
      if (pos >= text.size() || text[pos] != separator) {
        return Error(base_ + pos,
                     StrCat("line ", line, ": expected ", Describe(separator),
                            " after the ", kFields[field]));
      }
      ++pos;
    }
    if (ids[2] == 0) {
      return Error(base_ + line_start, StrCat("line ", line, ": size 0"));
    }
    if (ids[0] + ids[2] > kIdSpace) {
      return Error(base_ + line_start,
                   StrCat("line ", line, ": container range ", ids[0], "+",
                          ids[2], " wraps past 2^32"));
    }
    if (ids[1] + ids[2] > kIdSpace) {
      return Error(base_ + line_start,
                   StrCat("line ", line, ": host range ", ids[1], "+", ids[2],
                          " wraps past 2^32"));
    }
    mappings->push_back({static_cast<uint32_t>(ids[0]),
                         static_cast<uint32_t>(ids[1]),
                         static_cast<uint32_t>(ids[2])});
  }
  return OkStatus();
}

Status Decoder::DecodeOomScoreAdj(absl::string_view text) {
  size_t pos = 0;
  int64_t value;
  if (const char* why = ReadSigned(text, &pos, kMinOomScoreAdj,
                                   kMaxOomScoreAdj, &value)) {
    return Error(base_, StrCat(Quote(text), ": ", why, " (must be ",
                               kMinOomScoreAdj, "..", kMaxOomScoreAdj, ")"));
  }
  if (pos != text.size()) {
    return Error(base_ + pos, StrCat(Quote(text), ": trailing characters"));
  }
  request_->oom_score_adj = static_cast<int32_t>(value);
  return OkStatus();
}

Status Decoder::DecodeMountSources(absl::string_view text) {
  // runc 1.1 writes each mount's source followed by a NUL, and Bytemsg adds
  // its own NUL after the list (stripped by Text()).
  if (text.empty()) return Error(offset_, "no entries");
  if (text.back() != '\0') {
    return Error(base_ + text.size(),
                 "last entry lacks its own NUL (runc writes one per mount, "
                 "then the attribute's NUL)");
  }
  size_t start = 0;
  int count = 0;
  // Security: the entry count is checked before each entry is added.
  while (start < text.size()) {
    const size_t end =
        FindChar(text, '\0', start);  // found: text ends with NUL
    if (++count > kMaxMountSources) {
      return Error(base_ + start,
                   StrCat("more than ", kMaxMountSources, " entries"));
    }
    const absl::string_view source = text.substr(start, end - start);
    if (!source.empty()) {
      NSBOOT_RETURN_IF_ERROR(CheckPath(base_ + start, "mount source", source));
    }
    request_->mount_sources.emplace_back(source.data(), source.size());
    start = end + 1;
  }
  return OkStatus();
}

Status Decoder::DecodeTimeOffsets(absl::string_view text) {
  if (text.empty()) return Error(offset_, "no offsets");
  size_t pos = 0;
  int line = 0;
  bool seen[v1::TimeClock_ARRAYSIZE] = {};
  // Security: a clock may appear once, so at most 2 lines are accepted.
  while (pos < text.size()) {
    ++line;
    const size_t line_start = pos;
    const absl::string_view rest = text.substr(pos);
    v1::TimeClock clock;
    if (rest.substr(0, 10) == "monotonic ") {
      clock = v1::TIME_CLOCK_MONOTONIC;
      pos += 10;
    } else if (rest.substr(0, 9) == "boottime ") {
      clock = v1::TIME_CLOCK_BOOTTIME;
      pos += 9;
    } else {
      return Error(
          base_ + pos,
          StrCat("line ", line, ": expected \"monotonic \" or \"boottime \""));
    }
    if (seen[clock]) {
      return Error(
          base_ + line_start,
          StrCat("line ", line, ": second offset for ",
                 clock == v1::TIME_CLOCK_MONOTONIC ? "monotonic" : "boottime"));
    }
    seen[clock] = true;
    int64_t seconds;
    size_t field_start = pos;
    if (const char* why = ReadSigned(text, &pos, INT64_MIN, INT64_MAX,
                                     &seconds)) {
      return Error(base_ + field_start,
                   StrCat("line ", line, ": seconds: ", why));
    }
    if (pos >= text.size() || text[pos] != ' ') {
      return Error(base_ + pos, StrCat("line ", line,
                                       ": expected a space after the "
                                       "seconds"));
    }
    ++pos;
    uint64_t nanoseconds;
    field_start = pos;
    if (const char* why = ReadUnsigned(text, &pos, kNanosecondsPerSecond - 1,
                                       &nanoseconds)) {
      return Error(base_ + field_start,
                   StrCat("line ", line, ": nanoseconds: ", why,
                          " (must be below 1000000000)"));
    }
    if (pos >= text.size() || text[pos] != '\n') {
      return Error(base_ + pos, StrCat("line ", line,
                                       ": expected a newline after the "
                                       "nanoseconds"));
    }
    ++pos;
    request_->time_offsets.push_back(
        {clock, seconds, static_cast<int64_t>(nanoseconds)});
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

// runc 1.1.5 bootstrapData's emission order.
constexpr uint16_t kRuncOrder[] = {
    kCloneFlagsAttr, kNsPathsAttr,     kUidmapPathAttr, kUidmapAttr,
    kGidmapAttr,     kGidmapPathAttr,  kSetgroupAttr,   kOomScoreAdjAttr,
    kRootlessEuidAttr, kMountSourcesAttr,
};
static_assert(sizeof(kRuncOrder) / sizeof(kRuncOrder[0]) ==
                  kMaxNetlinkAttributes,
              "every attribute has a place in runc's order");

Status Unencodable(absl::string_view field, absl::string_view reason) {
  return InvalidArgumentError(StrCat(field, ": ", reason));
}

class Encoder {
 public:
  Encoder(const v1::plain::BootstrapRequest& request, RuncDialect dialect)
      : request_(request), dialect_(dialect) {}

  StatusOr<std::string> Run();

 private:
  bool IsSet(uint16_t type) const;
  Status Emit(uint16_t type);
  void AddU32(uint16_t type, uint32_t value);
  Status AddText(uint16_t type, absl::string_view field,
                 absl::string_view text);

  const v1::plain::BootstrapRequest& request_;
  RuncDialect dialect_;
  std::string out_;
};

bool Encoder::IsSet(uint16_t type) const {
  switch (type) {
    case kCloneFlagsAttr:
      return !request_.create_namespaces.empty();
    case kNsPathsAttr:
      return !request_.join_namespaces.empty();
    case kUidmapAttr:
      return !request_.uid_mappings.empty();
    case kGidmapAttr:
      return !request_.gid_mappings.empty();
    case kSetgroupAttr:
      return request_.setgroups != v1::SETGROUPS_UNSPECIFIED;
    case kOomScoreAdjAttr:
      return request_.oom_score_adj.has_value();
    case kRootlessEuidAttr:
      return request_.rootless_euid.has_value();
    case kUidmapPathAttr:
      return !request_.uidmap_helper.empty();
    case kGidmapPathAttr:
      return !request_.gidmap_helper.empty();
    case kMountSourcesAttr:
      return dialect_ == RuncDialect::kRunc11 ? !request_.mount_sources.empty()
                                              : !request_.time_offsets.empty();
    default: return false;
  }
}

void Encoder::AddU32(uint16_t type, uint32_t value) {
  AppendU16(kFixedAttributeSize, &out_);
  AppendU16(type, &out_);
  AppendU32(value, &out_);
}

Status Encoder::AddText(uint16_t type, absl::string_view field,
                        absl::string_view text) {
  const uint64_t nla_len = uint64_t{kNlaHeaderSize} + text.size() + 1;
  if (nla_len > kMaxNetlinkAttributeSize) {
    return Unencodable(
        field, StrCat(AttributeName(type, dialect_), " would be ", nla_len,
                      " bytes, over netlink's limit of ",
                      kMaxNetlinkAttributeSize, " (CVE-2021-43784)"));
  }
  AppendU16(static_cast<uint16_t>(nla_len), &out_);
  AppendU16(type, &out_);
  out_.append(text.data(), text.size());
  out_.append(Align4(static_cast<uint32_t>(nla_len)) - nla_len + 1, '\0');
  return OkStatus();
}

Status Encoder::Emit(uint16_t type) {
  std::string text;
  switch (type) {
    case kCloneFlagsAttr: {
      uint32_t flags = 0;
      for (int ns : request_.create_namespaces) {
        flags |= FindNamespace(ns)->clone_flag;  // validated
      }
      AddU32(type, flags);
      return OkStatus();
    }
    case kSetgroupAttr:
      AddU32(type, request_.setgroups == v1::SETGROUPS_ALLOW ? 1 : 0);
      return OkStatus();
    case kRootlessEuidAttr:
      AddU32(type, request_.rootless_euid.value_or(false) ? 1 : 0);
      return OkStatus();
    case kNsPathsAttr:
      for (const v1::plain::NamespaceJoin& join : request_.join_namespaces) {
        if (!text.empty()) text += ',';
        StrAppend(&text, FindNamespace(join.type)->name, ":", join.path);
      }
      return AddText(type, "join_namespaces", text);
    case kUidmapAttr:
    case kGidmapAttr:
      for (const v1::plain::IdMapping& m : type == kUidmapAttr
                                               ? request_.uid_mappings
                                               : request_.gid_mappings) {
        StrAppend(&text, m.container_id, " ", m.host_id, " ", m.size, "\n");
      }
      return AddText(type,
                     type == kUidmapAttr ? "uid_mappings" : "gid_mappings",
                     text);
    case kOomScoreAdjAttr:
      return AddText(type, "oom_score_adj", StrCat(*request_.oom_score_adj));
    case kUidmapPathAttr:
      return AddText(type, "uidmap_helper", request_.uidmap_helper);
    case kGidmapPathAttr:
      return AddText(type, "gidmap_helper", request_.gidmap_helper);
    case kMountSourcesAttr:
      if (dialect_ == RuncDialect::kRunc11) {
        for (const std::string& source : request_.mount_sources) {
          text += source;
          text += '\0';
        }
        return AddText(type, "mount_sources", text);
      }
      for (const v1::plain::TimeOffset& offset : request_.time_offsets) {
        StrAppend(
            &text,
            offset.clock == v1::TIME_CLOCK_MONOTONIC ? "monotonic" : "boottime",
            " ", offset.seconds, " ", offset.nanoseconds, "\n");
      }
      return AddText(type, "time_offsets", text);
    default:
      return Unencodable("netlink_layout.attribute_order",
                         StrCat("unknown attribute type ", type));
  }
}

StatusOr<std::string> Encoder::Run() {
  NSBOOT_RETURN_IF_ERROR(ValidateRequest(request_));
  if (request_.options.has_value()) {
    return Unencodable("options",
                       "nsboot options cannot be carried by runc's netlink "
                       "message");
  }
  for (size_t i = 0; i < request_.join_namespaces.size(); ++i) {
    const v1::plain::NamespaceJoin& join = request_.join_namespaces[i];
    if (join.target != v1::plain::NamespaceJoin::Target::kPath) {
      return Unencodable(StrCat("join_namespaces[", i, "]"),
                         "runc's netlink message can only join by path");
    }
    if (join.path.find(',') != std::string::npos) {
      return Unencodable(StrCat("join_namespaces[", i, "].path"),
                         "contains ',', the NS_PATHS separator");
    }
  }
  if (dialect_ == RuncDialect::kRunc12 && !request_.mount_sources.empty()) {
    return Unencodable("mount_sources",
                       "runc 1.2+ has no MOUNT_SOURCES attribute (27290 is "
                       "TIMENSOFFSET there)");
  }
  if (dialect_ == RuncDialect::kRunc11 && !request_.time_offsets.empty()) {
    return Unencodable("time_offsets",
                       "runc 1.1 has no TIMENSOFFSET attribute (27290 is "
                       "MOUNT_SOURCES there)");
  }

  const bool has_layout = request_.netlink_layout.has_value();
  const v1::plain::NetlinkLayout layout =
      request_.netlink_layout.value_or(v1::plain::NetlinkLayout());
  out_.assign(kNetlinkHeaderSize, '\0');  // filled in at the end
  bool emitted[kMaxNetlinkAttributes] = {};
  if (has_layout) {
    for (uint32_t type : layout.attribute_order) {  // validated: known, once
      const uint16_t t = static_cast<uint16_t>(type);
      if (t != kCloneFlagsAttr && !IsSet(t)) continue;
      NSBOOT_RETURN_IF_ERROR(Emit(t));
      emitted[t - kFirstNetlinkAttributeType] = true;
    }
  }
  for (uint16_t type : kRuncOrder) {
    if (emitted[type - kFirstNetlinkAttributeType]) continue;
    const bool always = !has_layout && (type == kCloneFlagsAttr ||
                                        type == kRootlessEuidAttr);
    if (always || IsSet(type)) NSBOOT_RETURN_IF_ERROR(Emit(type));
  }
  if (out_.size() > kMaxNetlinkMessageSize) {
    return InvalidArgumentError(StrCat("the message would be ", out_.size(),
                                       " bytes, over the cap of ",
                                       kMaxNetlinkMessageSize));
  }

  std::string header;
  header.reserve(kNetlinkHeaderSize);
  AppendU32(static_cast<uint32_t>(out_.size()), &header);
  AppendU16(kRuncInitMsgType, &header);
  AppendU16(static_cast<uint16_t>(layout.flags.value_or(kNlmFRequest)),
            &header);
  AppendU32(layout.sequence.value_or(1), &header);
  AppendU32(layout.port.value_or(0), &header);
  out_.replace(0, kNetlinkHeaderSize, header);
  return std::move(out_);
}

}  // namespace

StatusOr<uint32_t> ParseNetlinkHeader(absl::string_view header) {
  if (header.size() < kNetlinkHeaderSize) {
    return DecodeError(
        header.size(),
        StrCat("truncated netlink header: ", header.size(), " of 16 bytes"));
  }
  const uint32_t length = LoadU32(header.data());
  const uint16_t type = LoadU16(header.data() + 4);
  if (type == kNlmsgError) {
    return DecodeError(4, "nlmsg_type 2 (NLMSG_ERROR): the peer sent a "
                          "netlink error, not bootstrap data");
  }
  if (type != kRuncInitMsgType) {
    return DecodeError(4, StrCat("unexpected nlmsg_type ", type,
                                 ", want 62000 (runc INIT_MSG)"));
  }
  // Security: nlmsg_len is the size the reader will read and allocate; it is
  // bounded on both sides here (runc's C wraps below 16 and has no cap).
  if (length < kNetlinkHeaderSize) {
    return DecodeError(
        0, StrCat("nlmsg_len ", length, " is shorter than the 16-byte header"));
  }
  if (length > kMaxNetlinkMessageSize) {
    return DecodeError(0, StrCat("nlmsg_len ", length, " exceeds the cap of ",
                                 kMaxNetlinkMessageSize));
  }
  return length;
}

StatusOr<v1::plain::BootstrapRequest> DecodeNetlinkPlain(
    absl::string_view message, RuncDialect dialect) {
  if (!IsValidDialect(dialect)) {
    return InvalidArgumentError(
        StrCat("unknown runc dialect ", static_cast<int>(dialect)));
  }
  NSBOOT_ASSIGN_OR_RETURN(uint32_t length, ParseNetlinkHeader(message));
  if (message.size() < length) {
    return DecodeError(
        message.size(),
        StrCat("truncated message: nlmsg_len is ", length, " but only ",
               message.size(), " bytes are there"));
  }
  if (message.size() > length) {
    return DecodeError(length, StrCat(message.size() - length,
                                      " bytes after the message's end "
                                      "(nlmsg_len ",
                                      length, ")"));
  }
  v1::plain::BootstrapRequest request;
  v1::plain::NetlinkLayout& layout = request.netlink_layout.emplace();
  layout.flags = LoadU16(message.data() + 6);
  layout.sequence = LoadU32(message.data() + 8);
  layout.port = LoadU32(message.data() + 12);
  Decoder decoder(message, dialect, &request);
  NSBOOT_RETURN_IF_ERROR(decoder.Run(length));
  // Defence in depth: the checks above imply every rule of ValidateRequest.
  Status valid = ValidateRequest(request);
  if (!valid.ok()) return DecodeError(kNetlinkHeaderSize, valid.message());
  return request;
}

StatusOr<std::string> EncodeNetlink(const v1::plain::BootstrapRequest& request,
                                    RuncDialect dialect) {
  if (!IsValidDialect(dialect)) {
    return InvalidArgumentError(
        StrCat("unknown runc dialect ", static_cast<int>(dialect)));
  }
  return Encoder(request, dialect).Run();
}

}  // namespace codec
}  // namespace nsboot
