#include "fuzz/mutator.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/frame.h"
#include "codec/limits.h"
#include "codec/netlink.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace fuzz {
namespace {

using codec::RuncDialect;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Rng = std::minstd_rand;

size_t Pick(Rng& rng, size_t n) { return n == 0 ? 0 : rng() % n; }
bool OneIn(Rng& rng, unsigned n) { return rng() % n == 0; }

// Fallback leaf mutation when no libFuzzer is linked (unit tests, replay).
void MutateBytes(std::string* bytes, size_t max_size, Rng& rng) {
  switch (rng() % 3) {
    case 0:
      if (!bytes->empty()) (*bytes)[Pick(rng, bytes->size())] ^= 1 << (rng() % 8);
      break;
    case 1:
      if (bytes->size() < max_size) {
        bytes->insert(bytes->begin() + Pick(rng, bytes->size() + 1),
                      static_cast<char>(rng()));
      }
      break;
    default:
      if (!bytes->empty()) bytes->erase(Pick(rng, bytes->size()), 1);
  }
}

// Leaf bytes: libFuzzer's mutator (with the dictionary) when linked.
void MutateLeaf(std::string* bytes, size_t max_size, Rng& rng) {
  if (LLVMFuzzerMutate == nullptr) {
    MutateBytes(bytes, max_size, rng);
    return;
  }
  const size_t size = bytes->size();
  const size_t cap = std::max(max_size, size);
  bytes->resize(std::max<size_t>(cap, 1));
  const size_t n =
      LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(&(*bytes)[0]), size, cap);
  bytes->resize(std::min(n, cap));
}

// ---------------------------------------------------------------------------
// Typed mutation of a protobuf message through reflection.
// ---------------------------------------------------------------------------

constexpr int64_t kInterestingInts[] = {
    0,          1,          -1,         2,          3,
    9,          64,         65,         100,        1000,
    1001,       -1000,      -1001,      65535,      65536,
    27281,      27282,      27285,      27290,      27291,
    999999999,  1000000000, 2147483647, -2147483648LL, 4294967295LL,
    4294967296LL, 1LL << 62, INT64_MIN,  INT64_MAX,
};

const char* const kInterestingBytes[] = {
    "",
    "/",
    "/proc/self/ns/net",
    "/proc/1/ns/user",
    "/proc/self/ns/pid",
    "/run/netns/pod,1",
    "/a:b",
    "relative/path",
    "/usr/bin/newuidmap",
    "/usr/bin/newgidmap",
    "/var/lib/mounts/src",
};

std::string InterestingBytes(Rng& rng) {
  switch (rng() % 4) {
    case 0:
      return std::string("/nul\0inside", 11);
    case 1:
      return "/" + std::string(4094 + rng() % 3, 'p');  // around the limit
    default:
      return kInterestingBytes[Pick(rng, sizeof(kInterestingBytes) /
                                             sizeof(kInterestingBytes[0]))];
  }
}

int64_t InterestingInt(Rng& rng, int64_t current) {
  switch (rng() % 4) {
    case 0:
      // Wraps instead of overflowing (UBSan): a step of -2..+2.
      return static_cast<int64_t>(static_cast<uint64_t>(current) + rng() % 5 -
                                  2);
    case 1:
      return static_cast<int32_t>(rng());
    default:
      return kInterestingInts[Pick(
          rng, sizeof(kInterestingInts) / sizeof(kInterestingInts[0]))];
  }
}

int EnumValue(Rng& rng, const FieldDescriptor* field) {
  const auto* type = field->enum_type();
  if (OneIn(rng, 8)) return static_cast<int>(rng() % 16);  // maybe unknown
  return type->value(Pick(rng, type->value_count()))->number();
}

void MutateMessage(Message* message, Rng& rng, size_t max_leaf, int depth);

// Sets field (singular) or adds an element (repeated) to a fresh value.
void SetFresh(Message* m, const FieldDescriptor* f, Rng& rng, size_t max_leaf,
              int depth) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const auto v = static_cast<int32_t>(InterestingInt(rng, 0));
      rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t v = InterestingInt(rng, 0);
      rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto v = static_cast<uint32_t>(InterestingInt(rng, 0));
      rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const auto v = static_cast<uint64_t>(InterestingInt(rng, 0));
      rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool v = rng() & 1;
      rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = EnumValue(rng, f);
      rep ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = InterestingBytes(rng);
      if (OneIn(rng, 3)) MutateLeaf(&v, max_leaf, rng);
      rep ? r->AddString(m, f, std::move(v)) : r->SetString(m, f, std::move(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* sub = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      const int n = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) MutateMessage(sub, rng, max_leaf, depth + 1);
      break;
    }
    default:
      break;
  }
}

// Alters the existing value of a singular field or of element `i`.
void Alter(Message* m, const FieldDescriptor* f, int i, Rng& rng,
           size_t max_leaf, int depth) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t cur = rep ? r->GetRepeatedInt32(*m, f, i) : r->GetInt32(*m, f);
      const auto v = static_cast<int32_t>(InterestingInt(rng, cur));
      rep ? r->SetRepeatedInt32(m, f, i, v) : r->SetInt32(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t cur = rep ? r->GetRepeatedInt64(*m, f, i) : r->GetInt64(*m, f);
      const int64_t v = InterestingInt(rng, cur);
      rep ? r->SetRepeatedInt64(m, f, i, v) : r->SetInt64(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const uint32_t cur =
          rep ? r->GetRepeatedUInt32(*m, f, i) : r->GetUInt32(*m, f);
      const auto v = static_cast<uint32_t>(InterestingInt(rng, cur));
      rep ? r->SetRepeatedUInt32(m, f, i, v) : r->SetUInt32(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t cur =
          rep ? r->GetRepeatedUInt64(*m, f, i) : r->GetUInt64(*m, f);
      const auto v = static_cast<uint64_t>(
          InterestingInt(rng, static_cast<int64_t>(cur)));
      rep ? r->SetRepeatedUInt64(m, f, i, v) : r->SetUInt64(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool cur = rep ? r->GetRepeatedBool(*m, f, i) : r->GetBool(*m, f);
      rep ? r->SetRepeatedBool(m, f, i, !cur) : r->SetBool(m, f, !cur);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = EnumValue(rng, f);
      rep ? r->SetRepeatedEnumValue(m, f, i, v) : r->SetEnumValue(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = rep ? r->GetRepeatedString(*m, f, i) : r->GetString(*m, f);
      if (OneIn(rng, 4)) {
        v = InterestingBytes(rng);
      } else {
        MutateLeaf(&v, std::max(max_leaf, v.size() + 16), rng);
      }
      rep ? r->SetRepeatedString(m, f, i, std::move(v))
          : r->SetString(m, f, std::move(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* sub =
          rep ? r->MutableRepeatedMessage(m, f, i) : r->MutableMessage(m, f);
      MutateMessage(sub, rng, max_leaf, depth + 1);
      break;
    }
    default:
      break;
  }
}

void MutateMessage(Message* m, Rng& rng, size_t max_leaf, int depth) {
  const auto* d = m->GetDescriptor();
  const Reflection* r = m->GetReflection();
  if (d->field_count() == 0 || depth > 4) return;
  const FieldDescriptor* f = d->field(Pick(rng, d->field_count()));
  if (f->is_repeated()) {
    const int n = r->FieldSize(*m, f);
    const unsigned op = n == 0 ? 0 : rng() % 6;
    switch (op) {
      case 0:  // add
        SetFresh(m, f, rng, max_leaf, depth);
        if (n > 0 && OneIn(rng, 2)) r->SwapElements(m, f, n, Pick(rng, n));
        break;
      case 1:  // drop
        r->SwapElements(m, f, Pick(rng, n), n - 1);
        r->RemoveLast(m, f);
        break;
      case 2:  // swap
        r->SwapElements(m, f, Pick(rng, n), Pick(rng, n));
        break;
      case 3:  // duplicate (the "second entry for one type" family)
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          r->AddMessage(m, f)->CopyFrom(
              r->GetRepeatedMessage(*m, f, Pick(rng, n)));
        } else {
          SetFresh(m, f, rng, max_leaf, depth);
          r->SwapElements(m, f, n, Pick(rng, n));
        }
        break;
      default:  // alter
        Alter(m, f, static_cast<int>(Pick(rng, n)), rng, max_leaf, depth);
    }
    return;
  }
  const bool present = f->has_presence() ? r->HasField(*m, f) : true;
  if (present && f->has_presence() && OneIn(rng, 4)) {
    r->ClearField(m, f);
  } else if (!present || OneIn(rng, 3)) {
    SetFresh(m, f, rng, max_leaf, depth);
  } else {
    Alter(m, f, 0, rng, max_leaf, depth);
  }
}

// ---------------------------------------------------------------------------
// Encodings.
// ---------------------------------------------------------------------------

void PutU16(uint16_t v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), 2);
}
void PutU32(uint32_t v, std::string* out) {
  out->append(reinterpret_cast<const char*>(&v), 4);
}
uint16_t GetU16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t GetU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

struct Attribute {
  uint16_t type;
  std::string payload;
};

struct RawNetlink {
  uint16_t msg_type = codec::kRuncInitMsgType;
  uint16_t flags = codec::kNlmFRequest;
  uint32_t sequence = 1;
  uint32_t port = 0;
  std::vector<Attribute> attributes;
};

// Splits a netlink message into attributes without judging their content.
// False if the framing itself is broken (that is left to raw mutation).
bool SplitNetlink(absl::string_view message, RawNetlink* out) {
  if (message.size() < codec::kNetlinkHeaderSize) return false;
  out->msg_type = GetU16(message.data() + 4);
  out->flags = GetU16(message.data() + 6);
  out->sequence = GetU32(message.data() + 8);
  out->port = GetU32(message.data() + 12);
  size_t offset = codec::kNetlinkHeaderSize;
  while (offset + 4 <= message.size()) {
    const uint16_t len = GetU16(message.data() + offset);
    if (len < 4 || offset + len > message.size()) return false;
    out->attributes.push_back(
        {GetU16(message.data() + offset + 2),
         std::string(message.substr(offset + 4, len - 4))});
    offset += (len + 3u) & ~3u;
  }
  return offset >= message.size();
}

std::string JoinNetlink(const RawNetlink& raw) {
  std::string out(codec::kNetlinkHeaderSize, '\0');
  for (const Attribute& a : raw.attributes) {
    const size_t len = std::min<size_t>(4 + a.payload.size(), 0xFFFF);
    PutU16(static_cast<uint16_t>(len), &out);
    PutU16(a.type, &out);
    out.append(a.payload, 0, len - 4);
    out.append(((len + 3u) & ~3u) - len, '\0');
  }
  std::string header;
  PutU32(static_cast<uint32_t>(out.size()), &header);
  PutU16(raw.msg_type, &header);
  PutU16(raw.flags, &header);
  PutU32(raw.sequence, &header);
  PutU32(raw.port, &header);
  out.replace(0, codec::kNetlinkHeaderSize, header);
  return out;
}

std::string U32Payload(uint32_t v) {
  std::string s;
  PutU32(v, &s);
  return s;
}

constexpr uint32_t kCloneNewBits[] = {0x00020000, 0x04000000, 0x08000000,
                                      0x10000000, 0x20000000, 0x40000000,
                                      0x02000000, 0x00000080};

// A plausible payload for a fresh attribute of `type`.
std::string FreshPayload(uint16_t type, RuncDialect dialect, Rng& rng) {
  switch (type) {
    case codec::kCloneFlagsAttr: {
      uint32_t flags = 0;
      for (uint32_t bit : kCloneNewBits) {
        if (OneIn(rng, 3)) flags |= bit;
      }
      if (OneIn(rng, 16)) flags |= 1u << (rng() % 32);
      return U32Payload(flags);
    }
    case codec::kSetgroupAttr:
    case codec::kRootlessEuidAttr:
      return U32Payload(OneIn(rng, 16) ? 2 : rng() & 1);
    case codec::kNsPathsAttr: {
      static const char* const kPaths[] = {
          "net:/proc/1/ns/net", "user:/proc/1/ns/user,mnt:/proc/1/ns/mnt",
          "pid:/proc/self/ns/pid", "ipc:/x,uts:/y,cgroup:/z,time:/t",
          "net:/a:b", "bogus:/x"};
      return std::string(kPaths[Pick(rng, 6)]) + '\0';
    }
    case codec::kUidmapAttr:
    case codec::kGidmapAttr: {
      static const char* const kMaps[] = {"0 1000 1\n", "0 0 4294967295\n",
                                          "0 100000 65536\n1 2 3\n",
                                          "4294967295 0 1\n"};
      return std::string(kMaps[Pick(rng, 4)]) + '\0';
    }
    case codec::kOomScoreAdjAttr: {
      static const char* const kOom[] = {"0", "-1000", "1000", "1001", "-5"};
      return std::string(kOom[Pick(rng, 5)]) + '\0';
    }
    case codec::kUidmapPathAttr:
      return std::string("/usr/bin/newuidmap") + '\0';
    case codec::kGidmapPathAttr:
      return std::string("/usr/bin/newgidmap") + '\0';
    case codec::kMountSourcesAttr:
      if (dialect == RuncDialect::kRunc11) {
        return std::string("/src\0\0/other\0\0", 14);
      }
      return OneIn(rng, 2) ? std::string("monotonic 1 2\n") + '\0'
                           : std::string("boottime -5 999999999\n"
                                         "monotonic 0 0\n") +
                                 '\0';
    default: {
      std::string s(rng() % 8, '\0');
      for (char& c : s) c = static_cast<char>(rng());
      return s;
    }
  }
}

void MutateRawNetlink(RawNetlink* raw, RuncDialect dialect, Rng& rng,
                      size_t max_leaf) {
  auto& attrs = raw->attributes;
  const size_t n = attrs.size();
  const uint16_t random_type = static_cast<uint16_t>(
      OneIn(rng, 16) ? rng() : codec::kFirstNetlinkAttributeType + rng() % 10);
  switch (n == 0 ? 0 : rng() % 9) {
    case 0:  // add
      attrs.insert(attrs.begin() + Pick(rng, n + 1),
                   {random_type, FreshPayload(random_type, dialect, rng)});
      break;
    case 1:  // drop
      attrs.erase(attrs.begin() + Pick(rng, n));
      break;
    case 2:  // duplicate
      attrs.insert(attrs.begin() + Pick(rng, n + 1), attrs[Pick(rng, n)]);
      break;
    case 3:  // swap
      std::swap(attrs[Pick(rng, n)], attrs[Pick(rng, n)]);
      break;
    case 4:  // retype
      attrs[Pick(rng, n)].type = random_type;
      break;
    case 5:  // fresh payload
    {
      Attribute& a = attrs[Pick(rng, n)];
      a.payload = FreshPayload(a.type, dialect, rng);
      break;
    }
    case 6:  // header fields runc ignores, or the type it does not
      switch (rng() % 4) {
        case 0: raw->flags = static_cast<uint16_t>(rng()); break;
        case 1: raw->sequence = static_cast<uint32_t>(rng()); break;
        case 2: raw->port = static_cast<uint32_t>(rng()); break;
        default:
          raw->msg_type = OneIn(rng, 2) ? codec::kNlmsgError
                                        : codec::kRuncInitMsgType;
      }
      break;
    default: {  // leaf bytes of one payload
      Attribute& a = attrs[Pick(rng, n)];
      MutateLeaf(&a.payload, std::max(max_leaf, a.payload.size() + 16), rng);
    }
  }
}

std::string EncodeFrameLenient(codec::FrameKind kind, const Message& m) {
  std::string payload;
  {
    google::protobuf::io::StringOutputStream stream(&payload);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&out);
  }
  std::string frame(codec::kFrameMagic, 4);
  frame += static_cast<char>(codec::kFrameVersion);
  frame += static_cast<char>(kind);
  frame.append(2, '\0');
  const uint32_t size = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) frame += static_cast<char>(size >> (8 * i));
  return frame + payload;
}

// A typed request in runc's netlink bytes: the codec's encoding when the
// request is valid netlink, else attribute by attribute without checks.
std::string EncodeNetlinkLenient(const v1::BootstrapRequest& request,
                                 RuncDialect dialect) {
  auto encoded = codec::EncodeNetlink(request, dialect);
  if (encoded.ok()) return *std::move(encoded);
  RawNetlink raw;
  const v1::NetlinkLayout& layout = request.netlink_layout();
  if (layout.has_flags()) raw.flags = static_cast<uint16_t>(layout.flags());
  if (layout.has_sequence()) raw.sequence = layout.sequence();
  if (layout.has_port()) raw.port = layout.port();
  uint32_t flags = 0;
  for (int ns : request.create_namespaces()) {
    if (ns >= 1 && ns <= 8) flags |= kCloneNewBits[ns - 1];
  }
  raw.attributes.push_back({codec::kCloneFlagsAttr, U32Payload(flags)});
  static const char* const kNames[] = {"?",    "mnt", "uts",    "ipc", "user",
                                       "pid",  "net", "cgroup", "time"};
  if (request.join_namespaces_size() > 0) {
    std::string text;
    for (const v1::NamespaceJoin& join : request.join_namespaces()) {
      if (!text.empty()) text += ',';
      text += join.type() >= 0 && join.type() <= 8 ? kNames[join.type()] : "?";
      text += ':';
      text += join.path();
    }
    raw.attributes.push_back({codec::kNsPathsAttr, text + '\0'});
  }
  for (int which = 0; which < 2; ++which) {
    const auto& maps = which == 0 ? request.uid_mappings() : request.gid_mappings();
    if (maps.empty()) continue;
    std::string text;
    for (const v1::IdMapping& m : maps) {
      text += std::to_string(m.container_id()) + " " +
              std::to_string(m.host_id()) + " " + std::to_string(m.size()) +
              "\n";
    }
    raw.attributes.push_back(
        {which == 0 ? codec::kUidmapAttr : codec::kGidmapAttr, text + '\0'});
  }
  if (request.setgroups() != v1::SETGROUPS_UNSPECIFIED) {
    raw.attributes.push_back(
        {codec::kSetgroupAttr,
         U32Payload(request.setgroups() == v1::SETGROUPS_ALLOW ? 1 : 0)});
  }
  if (request.has_oom_score_adj()) {
    raw.attributes.push_back({codec::kOomScoreAdjAttr,
                              std::to_string(request.oom_score_adj()) + '\0'});
  }
  raw.attributes.push_back(
      {codec::kRootlessEuidAttr, U32Payload(request.rootless_euid())});
  if (!request.uidmap_helper().empty()) {
    raw.attributes.push_back(
        {codec::kUidmapPathAttr, request.uidmap_helper() + '\0'});
  }
  if (!request.gidmap_helper().empty()) {
    raw.attributes.push_back(
        {codec::kGidmapPathAttr, request.gidmap_helper() + '\0'});
  }
  if (dialect == RuncDialect::kRunc11 && request.mount_sources_size() > 0) {
    std::string text;
    for (const std::string& s : request.mount_sources()) text += s + '\0';
    raw.attributes.push_back({codec::kMountSourcesAttr, text + '\0'});
  }
  if (dialect == RuncDialect::kRunc12 && request.time_offsets_size() > 0) {
    std::string text;
    for (const v1::TimeOffset& o : request.time_offsets()) {
      text += (o.clock() == v1::TIME_CLOCK_MONOTONIC ? "monotonic " : "boottime ") +
              std::to_string(o.seconds()) + " " +
              std::to_string(o.nanoseconds()) + "\n";
    }
    raw.attributes.push_back({codec::kTimeOffsetsAttr, text + '\0'});
  }
  return JoinNetlink(raw);
}

// Length of the message at the start of `body` as its header claims it,
// clamped to the bytes there.
size_t MessageLength(absl::string_view body) {
  if (body.size() >= codec::kFrameHeaderSize &&
      std::memcmp(body.data(), codec::kFrameMagic, 4) == 0) {
    const uint64_t len = uint64_t{codec::kFrameHeaderSize} +
                         (uint32_t{static_cast<uint8_t>(body[8])} |
                          uint32_t{static_cast<uint8_t>(body[9])} << 8 |
                          uint32_t{static_cast<uint8_t>(body[10])} << 16 |
                          uint32_t{static_cast<uint8_t>(body[11])} << 24);
    return static_cast<size_t>(std::min<uint64_t>(len, body.size()));
  }
  if (body.size() >= codec::kNetlinkHeaderSize) {
    return std::min<size_t>(GetU32(body.data()), body.size());
  }
  return body.size();
}

size_t RawMutate(uint8_t* data, size_t size, size_t max_size, Rng& rng) {
  if (LLVMFuzzerMutate != nullptr) return LLVMFuzzerMutate(data, size, max_size);
  std::string bytes(reinterpret_cast<const char*>(data), size);
  MutateBytes(&bytes, max_size, rng);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

}  // namespace

size_t MutateRequestInput(const InputShape& shape, uint8_t* data, size_t size,
                          size_t max_size, unsigned int seed) {
  Rng rng(seed == 0 ? 1 : seed);
  // Raw mutation: a quarter of the time, and for inputs too short to split.
  if (size <= shape.prefix || OneIn(rng, 4)) {
    return RawMutate(data, size, max_size, rng);
  }
  std::string prefix(reinterpret_cast<const char*>(data), shape.prefix);
  if (shape.prefix > 0 && OneIn(rng, 16)) {
    prefix[Pick(rng, prefix.size())] = static_cast<char>(rng());
    std::memcpy(data, prefix.data(), prefix.size());
    return size;
  }
  const RuncDialect dialect = shape.prefix > 0 && (data[0] & 1)
                                  ? RuncDialect::kRunc12
                                  : RuncDialect::kRunc11;
  const absl::string_view rest(reinterpret_cast<const char*>(data) + shape.prefix,
                               size - shape.prefix);
  const size_t message_size = shape.trailing ? MessageLength(rest) : rest.size();
  const absl::string_view message = rest.substr(0, message_size);
  std::string trailing(rest.substr(message_size));
  if (shape.trailing && !trailing.empty() && OneIn(rng, 8)) {
    MutateLeaf(&trailing, trailing.size() + 16, rng);
  }
  const size_t max_leaf = std::min<size_t>(max_size, 4200);
  const bool is_frame =
      message.size() >= 4 && std::memcmp(message.data(), codec::kFrameMagic, 4) == 0;

  std::string out;
  if (is_frame && message.size() >= codec::kFrameHeaderSize) {
    const codec::FrameKind kind =
        message[5] == 2 ? codec::FrameKind::kReply : codec::FrameKind::kRequest;
    const absl::string_view payload = message.substr(codec::kFrameHeaderSize);
    std::unique_ptr<Message> m;
    if (kind == codec::FrameKind::kReply) {
      m.reset(new v1::BootstrapReply);
    } else {
      m.reset(new v1::BootstrapRequest);
    }
    if (!m->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return RawMutate(data, size, max_size, rng);
    }
    if (OneIn(rng, 2)) m->DiscardUnknownFields();
    const int rounds = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < rounds; ++i) MutateMessage(m.get(), rng, max_leaf, 0);
    if (kind == codec::FrameKind::kRequest && shape.netlink && OneIn(rng, 8)) {
      out = EncodeNetlinkLenient(*static_cast<v1::BootstrapRequest*>(m.get()),
                                 dialect);
    } else {
      out = EncodeFrameLenient(kind, *m);
    }
  } else if (!is_frame) {
    v1::BootstrapRequest request;
    auto decoded = codec::DecodeNetlink(message, dialect);
    if (!decoded.ok()) {
      decoded = codec::DecodeNetlink(message, dialect == RuncDialect::kRunc11
                                                  ? RuncDialect::kRunc12
                                                  : RuncDialect::kRunc11);
    }
    if (decoded.ok() && OneIn(rng, 2)) {
      request = *std::move(decoded);
      const int rounds = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < rounds; ++i) MutateMessage(&request, rng, max_leaf, 0);
      if (shape.frame && (!shape.netlink || OneIn(rng, 8))) {
        out = EncodeFrameLenient(codec::FrameKind::kRequest, request);
      } else {
        out = EncodeNetlinkLenient(request, dialect);
      }
    } else {
      RawNetlink raw;
      if (!SplitNetlink(message, &raw)) return RawMutate(data, size, max_size, rng);
      const int rounds = 1 + static_cast<int>(rng() % 2);
      for (int i = 0; i < rounds; ++i) MutateRawNetlink(&raw, dialect, rng, max_leaf);
      out = JoinNetlink(raw);
    }
  } else {
    return RawMutate(data, size, max_size, rng);
  }
  if (!shape.netlink && !shape.frame) return RawMutate(data, size, max_size, rng);
  const size_t total = prefix.size() + out.size() + trailing.size();
  if (total > max_size) return RawMutate(data, size, max_size, rng);
  std::memcpy(data, prefix.data(), prefix.size());
  std::memcpy(data + prefix.size(), out.data(), out.size());
  std::memcpy(data + prefix.size() + out.size(), trailing.data(),
              trailing.size());
  return total;
}

}  // namespace fuzz
}  // namespace nsboot
