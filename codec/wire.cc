#include "codec/wire.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/limits.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"

namespace nsboot {
namespace codec {
namespace {

using v1::plain::BootstrapRequest;

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// Caps on repeated fields, checked as entries are read. Each equals what
// ValidateRequest accepts, so no valid request is refused by them.
constexpr size_t kMaxCreateNamespaces = 8;  // distinct known types
constexpr size_t kMaxJoins = 8;             // one per known type
constexpr size_t kMaxAttributeOrder = kMaxNetlinkAttributes;

// One field as read from the wire.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t offset = 0;        // of the tag, absolute
  uint64_t value = 0;         // kVarint, kFixed32, kFixed64
  absl::string_view bytes;    // kLen: the contents
  uint64_t bytes_offset = 0;  // kLen: absolute offset of the contents
};

// Where a Reader's bytes sit in the request: the top level, or a field
// (with its index when repeated) of the parent's message. Spelled out as
// text only for an error, so the per-element loop allocates no path.
struct Where {
  const Where* parent = nullptr;  // nullptr: BootstrapRequest
  absl::string_view name;
  size_t index = absl::string_view::npos;  // npos: not repeated

  std::string Path() const {
    if (parent == nullptr) return "BootstrapRequest";
    std::string path =
        parent->parent == nullptr ? std::string() : parent->Path() + ".";
    path.append(name.data(), name.size());
    if (index != absl::string_view::npos) StrAppend(&path, "[", index, "]");
    return path;
  }
};

class Reader {
 public:
  Reader(absl::string_view data, uint64_t base, const Where& where)
      : data_(data), base_(base), where_(where) {}

  bool AtEnd() const { return pos_ >= data_.size(); }

  // Reads the next field. Groups and wire types 6 and 7 are errors: no
  // field of the schema is a group.
  Status Next(Field* field) {
    field->offset = base_ + pos_;
    uint64_t tag = 0;
    NSBOOT_RETURN_IF_ERROR(Varint(&tag, /*max_bytes=*/5));
    field->number = static_cast<uint32_t>(tag >> 3);
    field->wire = static_cast<uint32_t>(tag & 7);
    if (tag > 0xFFFFFFFFu) {
      return Malformed(field->offset, "tag does not fit in 32 bits");
    }
    if (field->number == 0) return Malformed(field->offset, "field number 0");
    switch (field->wire) {
      case kVarint:
        return Varint(&field->value, /*max_bytes=*/10);
      case kFixed64:
        return Fixed(8, &field->value);
      case kFixed32:
        return Fixed(4, &field->value);
      case kLen: {
        uint64_t size = 0;
        const uint64_t at = base_ + pos_;
        NSBOOT_RETURN_IF_ERROR(Varint(&size, /*max_bytes=*/5));
        // Security: the length is peer-controlled; it is checked against
        // the bytes present before it is used.
        if (size > data_.size() - pos_) {
          return Malformed(at, StrCat("length ", size, " runs past the end (",
                                      data_.size() - pos_, " bytes left)"));
        }
        field->bytes_offset = base_ + pos_;
        field->bytes = data_.substr(pos_, size);
        pos_ += size;
        return OkStatus();
      }
      case kStartGroup:
      case kEndGroup:
        return Unknown(*field);
      default:
        return Malformed(field->offset,
                         StrCat("invalid wire type ", field->wire));
    }
  }

  // libprotobuf stores a known field number with an unexpected wire type as
  // an unknown field; the strict frame contract refuses both.
  Status Unknown(const Field& field) const {
    return DecodeError(
        field.offset,
        StrCat("unknown field ", field.number,
               field.wire == kStartGroup || field.wire == kEndGroup ? " (group)"
                                                                    : "",
               " in ", where_.Path(),
               " (this child speaks schema versions up to ", kMaxSchemaVersion,
               ")"));
  }

  Status Malformed(uint64_t at, absl::string_view why) const {
    return DecodeError(
        at, StrCat("malformed nsboot.v1.BootstrapRequest payload in ",
                   where_.Path(), ": ", why));
  }

  Status TooMany(const Field& field, absl::string_view name, size_t cap) const {
    return DecodeError(field.offset, StrCat(name, ": more than ", cap,
                                            " entries (the limit)"));
  }

  // One bare varint of a packed run.
  Status NextPackedVarint(Field* field) {
    field->offset = base_ + pos_;
    field->wire = kVarint;
    return Varint(&field->value, /*max_bytes=*/10);
  }

  const Where& where() const { return where_; }

 private:
  // Security: at most max_bytes bytes are read; bits past 64 are dropped as
  // libprotobuf drops them.
  Status Varint(uint64_t* value, int max_bytes) {
    const uint64_t start = base_ + pos_;
    uint64_t result = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= data_.size()) return Malformed(start, "truncated varint");
      const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
      if (7 * i < 64) result |= uint64_t{byte & 0x7Fu} << (7 * i);
      if (byte < 0x80) {
        *value = result;
        return OkStatus();
      }
    }
    return Malformed(start, StrCat("varint longer than ", max_bytes, " bytes"));
  }

  Status Fixed(int size, uint64_t* value) {
    if (data_.size() - pos_ < static_cast<size_t>(size)) {
      return Malformed(base_ + pos_, "truncated fixed-width value");
    }
    uint64_t v = 0;
    for (int i = 0; i < size; ++i) {
      v |= uint64_t{static_cast<uint8_t>(data_[pos_ + i])} << (8 * i);
    }
    pos_ += size;
    *value = v;
    return OkStatus();
  }

  absl::string_view data_;
  uint64_t base_;
  size_t pos_ = 0;
  const Where& where_;
};

// A repeated scalar: one varint, or a packed run of them. `add` takes each
// value; `*count` counts the field's entries over all its occurrences and
// may not exceed `cap`.
template <typename Add>
Status RepeatedVarint(const Reader& reader, const Field& field,
                      absl::string_view name, size_t cap, size_t* count,
                      Add add) {
  if (field.wire == kVarint) {
    if (*count >= cap) return reader.TooMany(field, name, cap);
    ++*count;
    add(field.value);
    return OkStatus();
  }
  if (field.wire != kLen) return reader.Unknown(field);
  Reader packed(field.bytes, field.bytes_offset, reader.where());
  while (!packed.AtEnd()) {
    // A packed run is a sequence of bare varints; read each as the value of
    // a synthetic varint field.
    Field element;
    NSBOOT_RETURN_IF_ERROR(packed.NextPackedVarint(&element));
    if (*count >= cap) return reader.TooMany(element, name, cap);
    ++*count;
    add(element.value);
  }
  return OkStatus();
}

// Wire-type checks for singular fields.
Status WantVarint(const Reader& reader, const Field& field) {
  return field.wire == kVarint ? OkStatus() : reader.Unknown(field);
}
Status WantLen(const Reader& reader, const Field& field) {
  return field.wire == kLen ? OkStatus() : reader.Unknown(field);
}

// proto3 conversions of a varint, as libprotobuf does them.
int32_t AsInt32(uint64_t v) { return static_cast<int32_t>(v); }
int64_t AsInt64(uint64_t v) { return static_cast<int64_t>(v); }
uint32_t AsUint32(uint64_t v) { return static_cast<uint32_t>(v); }
bool AsBool(uint64_t v) { return v != 0; }
template <typename Enum>
Enum AsEnum(uint64_t v) {
  return static_cast<Enum>(static_cast<int32_t>(v));
}

Status ParseJoin(Reader& reader, v1::plain::NamespaceJoin* join) {
  using Target = v1::plain::NamespaceJoin::Target;
  while (!reader.AtEnd()) {
    Field f;
    NSBOOT_RETURN_IF_ERROR(reader.Next(&f));
    // A oneof member clears the others (the last one on the wire wins).
    auto set_target = [join](Target target) {
      join->target = target;
      join->path.clear();
      join->pid = 0;
      join->pidfd = 0;
    };
    switch (f.number) {
      case 1:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        join->type = AsEnum<v1::Namespace>(f.value);
        break;
      case 2:
        NSBOOT_RETURN_IF_ERROR(WantLen(reader, f));
        set_target(Target::kPath);
        join->path.assign(f.bytes.data(), f.bytes.size());
        break;
      case 3:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        set_target(Target::kPid);
        join->pid = AsInt32(f.value);
        break;
      case 4:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        set_target(Target::kPidfd);
        join->pidfd = AsInt32(f.value);
        break;
      default:
        return reader.Unknown(f);
    }
  }
  return OkStatus();
}

Status ParseIdMapping(Reader& reader, v1::plain::IdMapping* mapping) {
  while (!reader.AtEnd()) {
    Field f;
    NSBOOT_RETURN_IF_ERROR(reader.Next(&f));
    if (f.number < 1 || f.number > 3) return reader.Unknown(f);
    NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
    uint32_t* member[] = {&mapping->container_id, &mapping->host_id,
                          &mapping->size};
    *member[f.number - 1] = AsUint32(f.value);
  }
  return OkStatus();
}

Status ParseTimeOffset(Reader& reader, v1::plain::TimeOffset* offset) {
  while (!reader.AtEnd()) {
    Field f;
    NSBOOT_RETURN_IF_ERROR(reader.Next(&f));
    if (f.number < 1 || f.number > 3) return reader.Unknown(f);
    NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
    if (f.number == 1) offset->clock = AsEnum<v1::TimeClock>(f.value);
    if (f.number == 2) offset->seconds = AsInt64(f.value);
    if (f.number == 3) offset->nanoseconds = AsInt64(f.value);
  }
  return OkStatus();
}

Status ParseOptions(Reader& reader, v1::plain::Options* options) {
  while (!reader.AtEnd()) {
    Field f;
    NSBOOT_RETURN_IF_ERROR(reader.Next(&f));
    if (f.number < 1 || f.number > 5) return reader.Unknown(f);
    NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
    if (f.number == 1) options->seal_exe = AsBool(f.value);
    if (f.number == 2) options->parent_death_signal = AsInt32(f.value);
    if (f.number == 3) options->log_level = AsEnum<v1::LogLevel>(f.value);
    if (f.number == 4) options->reply_pidfds = AsBool(f.value);
    if (f.number == 5) options->skip_namespace_ids = AsBool(f.value);
  }
  return OkStatus();
}

Status ParseNetlinkLayout(Reader& reader, v1::plain::NetlinkLayout* layout) {
  size_t count = layout->attribute_order.size();  // merged occurrences add up
  while (!reader.AtEnd()) {
    Field f;
    NSBOOT_RETURN_IF_ERROR(reader.Next(&f));
    switch (f.number) {
      case 1:
        NSBOOT_RETURN_IF_ERROR(
            RepeatedVarint(reader, f, "netlink_layout.attribute_order",
                           kMaxAttributeOrder, &count, [layout](uint64_t v) {
                             layout->attribute_order.push_back(AsUint32(v));
                           }));
        break;
      case 2:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        layout->flags = AsUint32(f.value);
        break;
      case 3:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        layout->sequence = AsUint32(f.value);
        break;
      case 4:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        layout->port = AsUint32(f.value);
        break;
      default:
        return reader.Unknown(f);
    }
  }
  return OkStatus();
}

// Appends a new element to `list` (cap checked first) and parses it.
template <typename T, typename Parse>
Status RepeatedMessage(const Reader& reader, const Field& field,
                       absl::string_view name, size_t cap, std::vector<T>* list,
                       Parse parse) {
  NSBOOT_RETURN_IF_ERROR(WantLen(reader, field));
  if (list->size() >= cap) return reader.TooMany(field, name, cap);
  const Where where{&reader.where(), name, list->size()};
  Reader sub(field.bytes, field.bytes_offset, where);
  return parse(sub, &list->emplace_back());
}

Status ParseRequest(Reader& reader, BootstrapRequest* request) {
  size_t created = 0;
  while (!reader.AtEnd()) {
    Field f;
    NSBOOT_RETURN_IF_ERROR(reader.Next(&f));
    switch (f.number) {
      case 1:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        request->schema_version = AsUint32(f.value);
        break;
      case 2:
        NSBOOT_RETURN_IF_ERROR(RepeatedVarint(
            reader, f, "create_namespaces", kMaxCreateNamespaces, &created,
            [request](uint64_t v) {
              request->create_namespaces.push_back(AsEnum<v1::Namespace>(v));
            }));
        break;
      case 3:
        NSBOOT_RETURN_IF_ERROR(
            RepeatedMessage(reader, f, "join_namespaces", kMaxJoins,
                            &request->join_namespaces, ParseJoin));
        break;
      case 4:
        NSBOOT_RETURN_IF_ERROR(RepeatedMessage(
            reader, f, "uid_mappings", static_cast<size_t>(kMaxIdMappings),
            &request->uid_mappings, ParseIdMapping));
        break;
      case 5:
        NSBOOT_RETURN_IF_ERROR(RepeatedMessage(
            reader, f, "gid_mappings", static_cast<size_t>(kMaxIdMappings),
            &request->gid_mappings, ParseIdMapping));
        break;
      case 6:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        request->setgroups = AsEnum<v1::SetgroupsPolicy>(f.value);
        break;
      case 7:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        request->oom_score_adj = AsInt32(f.value);
        break;
      case 8:
        NSBOOT_RETURN_IF_ERROR(WantVarint(reader, f));
        request->rootless_euid = AsBool(f.value);
        break;
      case 9:
        NSBOOT_RETURN_IF_ERROR(WantLen(reader, f));
        request->uidmap_helper.assign(f.bytes.data(), f.bytes.size());
        break;
      case 10:
        NSBOOT_RETURN_IF_ERROR(WantLen(reader, f));
        request->gidmap_helper.assign(f.bytes.data(), f.bytes.size());
        break;
      case 11:
        NSBOOT_RETURN_IF_ERROR(RepeatedMessage(
            reader, f, "time_offsets", static_cast<size_t>(kMaxTimeOffsets),
            &request->time_offsets, ParseTimeOffset));
        break;
      case 12:
        NSBOOT_RETURN_IF_ERROR(WantLen(reader, f));
        if (request->mount_sources.size() >=
            static_cast<size_t>(kMaxMountSources)) {
          return reader.TooMany(f, "mount_sources",
                                static_cast<size_t>(kMaxMountSources));
        }
        request->mount_sources.emplace_back(f.bytes.data(), f.bytes.size());
        break;
      case 13: {
        NSBOOT_RETURN_IF_ERROR(WantLen(reader, f));
        // A repeated occurrence merges into the first.
        if (!request->options) request->options.emplace();
        const Where where{&reader.where(), "options"};
        Reader sub(f.bytes, f.bytes_offset, where);
        NSBOOT_RETURN_IF_ERROR(ParseOptions(sub, &*request->options));
        break;
      }
      case 14: {
        NSBOOT_RETURN_IF_ERROR(WantLen(reader, f));
        if (!request->netlink_layout) request->netlink_layout.emplace();
        const Where where{&reader.where(), "netlink_layout"};
        Reader sub(f.bytes, f.bytes_offset, where);
        NSBOOT_RETURN_IF_ERROR(
            ParseNetlinkLayout(sub, &*request->netlink_layout));
        break;
      }
      default:
        return reader.Unknown(f);
    }
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutTag(uint32_t number, WireType wire, std::string* out) {
  PutVarint(uint64_t{number} << 3 | wire, out);
}

// int32 and enums are sign-extended to 64 bits, as libprotobuf writes them.
void PutInt32(uint32_t number, int32_t v, std::string* out) {
  if (v == 0) return;
  PutTag(number, kVarint, out);
  PutVarint(static_cast<uint64_t>(static_cast<int64_t>(v)), out);
}

void PutUint64(uint32_t number, uint64_t v, std::string* out) {
  if (v == 0) return;
  PutTag(number, kVarint, out);
  PutVarint(v, out);
}

void PutBytes(uint32_t number, absl::string_view bytes, std::string* out) {
  PutTag(number, kLen, out);
  PutVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

std::string SerializeReady(const v1::plain::Ready& ready) {
  std::string out;
  if (!ready.schema_versions.empty()) {
    std::string packed;
    for (uint32_t v : ready.schema_versions) PutVarint(v, &packed);
    PutBytes(1, packed, &out);
  }
  return out;
}

std::string SerializePids(const v1::plain::Pids& pids) {
  std::string out;
  PutInt32(1, pids.stage1_pid, &out);
  PutInt32(2, pids.stage2_pid, &out);
  for (const v1::plain::NamespaceId& id : pids.namespaces) {
    std::string sub;
    PutInt32(1, id.type, &sub);
    PutUint64(2, id.inode, &sub);
    PutUint64(3, id.device, &sub);
    PutBytes(3, sub, &out);
  }
  PutUint64(4, pids.pidfds_attached ? 1 : 0, &out);
  return out;
}

std::string SerializeLog(const v1::plain::LogRecord& log) {
  std::string out;
  PutInt32(1, log.level, &out);
  PutInt32(2, log.stage, &out);
  PutInt32(3, log.pid, &out);
  if (!log.message.empty()) PutBytes(4, log.message, &out);
  return out;
}

std::string SerializeError(const v1::plain::Error& error) {
  std::string out;
  PutInt32(1, error.stage, &out);
  PutInt32(2, error.step, &out);
  PutInt32(3, error.errno_value, &out);
  PutInt32(4, error.code, &out);
  if (!error.message.empty()) PutBytes(5, error.message, &out);
  if (error.byte_offset) {  // proto3 optional: written even when 0
    PutTag(6, kVarint, &out);
    PutVarint(*error.byte_offset, &out);
  }
  PutInt32(7, error.stage1_pid, &out);
  PutInt32(8, error.stage2_pid, &out);
  return out;
}

}  // namespace

StatusOr<BootstrapRequest> ParseRequestPayload(absl::string_view payload,
                                               uint64_t base_offset) {
  if (payload.size() > kMaxFramePayloadSize) {
    return DecodeError(base_offset, StrCat("payload of ", payload.size(),
                                           " bytes exceeds the cap of ",
                                           kMaxFramePayloadSize));
  }
  BootstrapRequest request;
  const Where top;
  Reader reader(payload, base_offset, top);
  NSBOOT_RETURN_IF_ERROR(ParseRequest(reader, &request));
  return request;
}

std::string SerializeReplyPayload(const v1::plain::BootstrapReply& reply) {
  using Kind = v1::plain::BootstrapReply::Kind;
  std::string out;
  switch (reply.kind) {
    case Kind::kReady:
      PutBytes(1, SerializeReady(reply.ready), &out);
      break;
    case Kind::kPids:
      PutBytes(2, SerializePids(reply.pids), &out);
      break;
    case Kind::kLog:
      PutBytes(3, SerializeLog(reply.log), &out);
      break;
    case Kind::kError:
      PutBytes(4, SerializeError(reply.error), &out);
      break;
    case Kind::kNone:
      break;
  }
  return out;
}

}  // namespace codec
}  // namespace nsboot
