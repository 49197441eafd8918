#include "codec/netlink.h"

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/limits.h"
#include "codec/validate.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace codec {
namespace {

using ::google::protobuf::TextFormat;
using ::google::protobuf::util::MessageDifferencer;
using ::nsboot::testing::IsOk;
using ::nsboot::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr RuncDialect k11 = RuncDialect::kRunc11;
constexpr RuncDialect k12 = RuncDialect::kRunc12;

std::string U16(uint16_t v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(v));
}
std::string U32(uint32_t v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(v));
}

// An attribute with an explicit nla_len and raw bytes after the header
// (payload and whatever padding the test wants).
std::string RawAttr(uint16_t nla_len, uint16_t type, absl::string_view rest) {
  return absl::StrCat(U16(nla_len), U16(type), rest);
}

// A well-formed attribute: nla_len = 4 + payload, zero padding.
std::string Attr(uint16_t type, absl::string_view payload) {
  std::string out =
      RawAttr(static_cast<uint16_t>(4 + payload.size()), type, payload);
  out.append((4 - out.size() % 4) % 4, '\0');
  return out;
}

// A Bytemsg: text plus its NUL.
std::string Text(uint16_t type, absl::string_view text) {
  return Attr(type, absl::StrCat(text, absl::string_view("\0", 1)));
}

std::string U32Attr(uint16_t type, uint32_t v) { return Attr(type, U32(v)); }

std::string Header(uint32_t len, uint16_t type = kRuncInitMsgType,
                   uint16_t flags = 1, uint32_t seq = 1, uint32_t port = 0) {
  return absl::StrCat(U32(len), U16(type), U16(flags), U32(seq), U32(port));
}

// A message whose nlmsg_len is the size of the attributes given.
std::string Message(std::initializer_list<std::string> attrs) {
  std::string body;
  for (const std::string& a : attrs) body += a;
  return Header(static_cast<uint32_t>(16 + body.size())) + body;
}

std::string Unhex(absl::string_view hex) {
  std::string compact;
  for (char c : hex) {
    if (c != ' ' && c != '\n') compact += c;
  }
  return absl::HexStringToBytes(compact);
}

v1::BootstrapRequest ParseText(absl::string_view text) {
  v1::BootstrapRequest request;
  EXPECT_TRUE(TextFormat::ParseFromString(std::string(text), &request))
      << text;
  return request;
}

// Decodes, checks the result is valid and re-encodes to the same bytes.
v1::BootstrapRequest RoundTrip(const std::string& bytes, RuncDialect dialect) {
  absl::StatusOr<v1::BootstrapRequest> decoded = DecodeNetlink(bytes, dialect);
  EXPECT_THAT(decoded, IsOk());
  if (!decoded.ok()) return {};
  EXPECT_THAT(ValidateRequest(*decoded), IsOk());
  absl::StatusOr<std::string> encoded = EncodeNetlink(*decoded, dialect);
  EXPECT_THAT(encoded, IsOk());
  if (encoded.ok()) {
    EXPECT_EQ(absl::BytesToHexString(*encoded), absl::BytesToHexString(bytes));
  }
  return *decoded;
}

// Asserts that decoding fails at `offset` with `reason` in the message.
void ExpectDecodeError(const std::string& bytes, RuncDialect dialect,
                       uint64_t offset, absl::string_view reason) {
  absl::StatusOr<v1::BootstrapRequest> decoded = DecodeNetlink(bytes, dialect);
  EXPECT_THAT(decoded, StatusIs(kInvalid,
                                AllOf(HasSubstr(absl::StrCat("offset ", offset,
                                                             ": ")),
                                      HasSubstr(std::string(reason)))));
  EXPECT_THAT(DecodeErrorOffset(decoded.status()), Optional(offset));
}

// The notes' hex dumps, produced by runc 1.1.5's Go encoder (x86-64).
constexpr absl::string_view kDumpA =
    "20000000 30f2 0100 01000000 00000000"
    "0800916a 0000026c"
    "0800976a 00000000";
constexpr absl::string_view kDumpB =
    "4c000000 30f2 0100 02000000 00000000"
    "0800916a 00000000"
    "2c00926a 6970633a 2f70726f 632f3432 2f6e732f 6970632c 6e65743a 2f70726f"
    "632f3432 2f6e732f 6e657400"
    "0800976a 00000000";
constexpr absl::string_view kDumpC =
    "5c000000 30f2 0100 03000000 00000000"
    "0800916a 00000210"
    "1400936a 30203130 30303030 20363535 33360a00"
    "1400946a 30203130 30303030 20363535 33360a00"
    "0800956a 01000000"
    "0900966a 2d393939 00000000"
    "0800976a 00000000";

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

TEST(ParseNetlinkHeaderTest, ReturnsLength) {
  EXPECT_THAT(ParseNetlinkHeader(Header(32)),
              nsboot::testing::IsOkAndHolds(32u));
  EXPECT_THAT(ParseNetlinkHeader(Header(16)),
              nsboot::testing::IsOkAndHolds(16u));
  EXPECT_THAT(ParseNetlinkHeader(Header(kMaxNetlinkMessageSize)),
              nsboot::testing::IsOkAndHolds(kMaxNetlinkMessageSize));
}

TEST(ParseNetlinkHeaderTest, TruncatedHeader) {
  EXPECT_THAT(ParseNetlinkHeader(Header(32).substr(0, 10)),
              StatusIs(kInvalid, HasSubstr("offset 10: truncated netlink "
                                           "header: 10 of 16 bytes")));
}

TEST(ParseNetlinkHeaderTest, LengthBelowHeaderSize) {
  // runc's C computes nlmsg_len - 16 in u32 and mallocs ~4 GiB.
  EXPECT_THAT(ParseNetlinkHeader(Header(8)),
              StatusIs(kInvalid, HasSubstr("offset 0: nlmsg_len 8 is shorter "
                                           "than the 16-byte header")));
  EXPECT_THAT(ParseNetlinkHeader(Header(0)),
              StatusIs(kInvalid, HasSubstr("offset 0: nlmsg_len 0")));
}

TEST(ParseNetlinkHeaderTest, LengthOverCap) {
  EXPECT_THAT(ParseNetlinkHeader(Header(kMaxNetlinkMessageSize + 1)),
              StatusIs(kInvalid, HasSubstr("offset 0: nlmsg_len 1048577 "
                                           "exceeds the cap of 1048576")));
  EXPECT_THAT(ParseNetlinkHeader(Header(0xFFFFFFFF)),
              StatusIs(kInvalid, HasSubstr("exceeds the cap")));
}

TEST(ParseNetlinkHeaderTest, NlmsgErrorHasItsOwnMessage) {
  EXPECT_THAT(ParseNetlinkHeader(Header(32, 2)),
              StatusIs(kInvalid, HasSubstr("offset 4: nlmsg_type 2 "
                                           "(NLMSG_ERROR)")));
}

TEST(ParseNetlinkHeaderTest, OtherTypes) {
  EXPECT_THAT(ParseNetlinkHeader(Header(32, 16)),
              StatusIs(kInvalid, HasSubstr("offset 4: unexpected nlmsg_type "
                                           "16, want 62000")));
}

// ---------------------------------------------------------------------------
// Message framing
// ---------------------------------------------------------------------------

TEST(DecodeNetlinkTest, MessageShorterThanNlmsgLen) {
  std::string bytes = Message({U32Attr(kCloneFlagsAttr, 0)});
  ExpectDecodeError(bytes.substr(0, 20), k11, 20,
                    "truncated message: nlmsg_len is 24 but only 20 bytes");
  ExpectDecodeError(bytes.substr(0, 7), k11, 7, "truncated netlink header");
}

TEST(DecodeNetlinkTest, BytesAfterTheMessage) {
  std::string bytes = Message({U32Attr(kCloneFlagsAttr, 0)}) + "xxxx";
  ExpectDecodeError(bytes, k11, 24, "4 bytes after the message's end");
}

TEST(DecodeNetlinkTest, ZeroAttributesIsValid) {
  const std::string bytes = Header(16, kRuncInitMsgType, 5, 77, 9);
  v1::BootstrapRequest request = RoundTrip(bytes, k11);
  EXPECT_TRUE(MessageDifferencer::Equals(
      request, ParseText("netlink_layout { flags: 5 sequence: 77 port: 9 }")))
      << request.DebugString();
  RoundTrip(bytes, k12);
}

TEST(DecodeNetlinkTest, UnknownDialect) {
  EXPECT_THAT(DecodeNetlink(Header(16), static_cast<RuncDialect>(0)),
              StatusIs(kInvalid, HasSubstr("unknown runc dialect 0")));
  EXPECT_THAT(EncodeNetlink(v1::BootstrapRequest(),
                            static_cast<RuncDialect>(3)),
              StatusIs(kInvalid, HasSubstr("unknown runc dialect 3")));
}

// ---------------------------------------------------------------------------
// runc's real bytes (docs: the hex dumps of runc-protocol.md §1.8)
// ---------------------------------------------------------------------------

TEST(DecodeNetlinkTest, RuncDumpA) {
  v1::BootstrapRequest request = RoundTrip(Unhex(kDumpA), k11);
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(R"pb(
    create_namespaces: [ NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC,
                         NAMESPACE_PID, NAMESPACE_NET ]
    rootless_euid: false
    netlink_layout {
      attribute_order: [ 27281, 27287 ] flags: 1 sequence: 1 port: 0
    }
  )pb"))) << request.DebugString();
  // Without a layout the encoder writes runc's bytes too.
  request.clear_netlink_layout();
  EXPECT_THAT(EncodeNetlink(request, k11),
              nsboot::testing::IsOkAndHolds(Unhex(kDumpA)));
}

TEST(DecodeNetlinkTest, RuncDumpB) {
  v1::BootstrapRequest request = RoundTrip(Unhex(kDumpB), k12);
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(R"pb(
    join_namespaces { type: NAMESPACE_IPC path: "/proc/42/ns/ipc" }
    join_namespaces { type: NAMESPACE_NET path: "/proc/42/ns/net" }
    rootless_euid: false
    netlink_layout {
      attribute_order: [ 27281, 27282, 27287 ] flags: 1 sequence: 2 port: 0
    }
  )pb"))) << request.DebugString();
}

TEST(DecodeNetlinkTest, RuncDumpC) {
  v1::BootstrapRequest request = RoundTrip(Unhex(kDumpC), k11);
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(R"pb(
    create_namespaces: [ NAMESPACE_MOUNT, NAMESPACE_USER ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    setgroups: SETGROUPS_ALLOW
    oom_score_adj: -999
    rootless_euid: false
    netlink_layout {
      attribute_order: [ 27281, 27283, 27284, 27285, 27286, 27287 ]
      flags: 1 sequence: 3 port: 0
    }
  )pb"))) << request.DebugString();
}

// ---------------------------------------------------------------------------
// Attribute framing
// ---------------------------------------------------------------------------

TEST(DecodeNetlinkTest, NlaLenZero) {
  // runc's C parser steps by 4 + NLA_ALIGN(0 - 4) == 0 and spins forever.
  ExpectDecodeError(Message({RawAttr(0, kCloneFlagsAttr, U32(0))}), k11, 16,
                    "nla_len 0 is shorter than the 4-byte attribute header");
}

TEST(DecodeNetlinkTest, NlaLenBelowHeader) {
  ExpectDecodeError(Message({RawAttr(2, kCloneFlagsAttr, U32(0))}), k11, 16,
                    "nla_len 2 is shorter");
}

TEST(DecodeNetlinkTest, NlaLenPastTheEnd) {
  ExpectDecodeError(Message({U32Attr(kCloneFlagsAttr, 0),
                             RawAttr(200, kOomScoreAdjAttr, std::string("0\0\0\0", 4))}),
                    k11, 24,
                    "nla_len 200 runs past the end of the message (8 bytes "
                    "left)");
  // The lone 4-byte header claiming 8 bytes (runc over-reads 4 bytes).
  ExpectDecodeError(Message({U32Attr(kRootlessEuidAttr, 0),
                             RawAttr(8, kCloneFlagsAttr, "")}),
                    k11, 24, "nla_len 8 runs past the end");
}

TEST(DecodeNetlinkTest, TruncatedAttributeHeader) {
  std::string bytes = Header(18) + std::string("\x08\x00", 2);
  ExpectDecodeError(bytes, k11, 16,
                    "truncated attribute header: 2 bytes left, 4 needed");
}

TEST(DecodeNetlinkTest, PaddingOfTheLastAttributeMustBePresent) {
  // "-999\0" has nla_len 9: three padding bytes must follow.
  std::string attr = RawAttr(9, kOomScoreAdjAttr, std::string("-999\0", 5));
  ExpectDecodeError(Header(16 + 9) + attr, k11, 25,
                    "attribute padding missing: 3 zero bytes needed after "
                    "nla_len 9, 0 left");
}

TEST(DecodeNetlinkTest, PaddingMustBeZero) {
  std::string attr =
      RawAttr(9, kOomScoreAdjAttr, std::string("-999\0\0\x01\0", 8));
  ExpectDecodeError(Message({attr}), k11, 26,
                    "nonzero attribute padding byte");
}

TEST(DecodeNetlinkTest, UnknownAttributeType) {
  ExpectDecodeError(Message({U32Attr(kCloneFlagsAttr, 0),
                             U32Attr(27299, 0)}),
                    k11, 24, "unknown attribute type 27299");
  ExpectDecodeError(Message({U32Attr(27280, 0)}), k12, 16,
                    "unknown attribute type 27280");
  // Types of runc's main branch that were never released.
  ExpectDecodeError(Message({Text(27291, "x")}), k12, 16,
                    "unknown attribute type 27291");
  ExpectDecodeError(Message({Text(27292, "x")}), k12, 16,
                    "unknown attribute type 27292");
}

TEST(DecodeNetlinkTest, DuplicateAttributeIsRejected) {
  // The CVE-2021-43784 pattern: a second CLONE_FLAGS that runc's C would
  // let win over the first.
  ExpectDecodeError(
      Message({U32Attr(kCloneFlagsAttr, 0x6c020000),
               U32Attr(kRootlessEuidAttr, 0), U32Attr(kCloneFlagsAttr, 0)}),
      k11, 32, "duplicate CLONE_FLAGS 27281 (first at offset 16)");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "1"),
                             Text(kOomScoreAdjAttr, "2")}),
                    k11, 24, "duplicate OOM_SCORE_ADJ 27286");
}

// ---------------------------------------------------------------------------
// Fixed-size attributes
// ---------------------------------------------------------------------------

TEST(DecodeNetlinkTest, FixedAttributesMustBeEightBytes) {
  ExpectDecodeError(Message({Attr(kCloneFlagsAttr, "\x01")}), k11, 16,
                    "CLONE_FLAGS 27281: nla_len 5, must be 8 (a u32)");
  ExpectDecodeError(Message({Attr(kRootlessEuidAttr, U32(0) + U32(0))}), k11,
                    16, "ROOTLESS_EUID 27287: nla_len 12, must be 8");
  // The pre-2018 one-byte bool.
  ExpectDecodeError(Message({Attr(kSetgroupAttr, "\x01")}), k11, 16,
                    "SETGROUP 27285: nla_len 5, must be 8");
}

TEST(DecodeNetlinkTest, CloneFlagsOnlyNamespaceBits) {
  // CLONE_VM | CLONE_NEWNET.
  ExpectDecodeError(Message({U32Attr(kCloneFlagsAttr, 0x40000100)}), k11, 20,
                    "bits 0x00000100 are not CLONE_NEW* flags");
  v1::BootstrapRequest all =
      RoundTrip(Message({U32Attr(kCloneFlagsAttr, 0x7E020080)}), k12);
  EXPECT_EQ(all.create_namespaces_size(), 8);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(all.create_namespaces(i), i + 1);
}

TEST(DecodeNetlinkTest, BoolsAreZeroOrOne) {
  ExpectDecodeError(Message({U32Attr(kRootlessEuidAttr, 2)}), k11, 20,
                    "value 2, a bool must be 0 or 1");
  ExpectDecodeError(Message({U32Attr(kSetgroupAttr, 0x01000000)}), k11, 20,
                    "value 16777216, a bool must be 0 or 1");
  EXPECT_EQ(RoundTrip(Message({U32Attr(kSetgroupAttr, 0)}), k11).setgroups(),
            v1::SETGROUPS_DENY);
  EXPECT_EQ(RoundTrip(Message({U32Attr(kSetgroupAttr, 1)}), k11).setgroups(),
            v1::SETGROUPS_ALLOW);
  EXPECT_TRUE(
      RoundTrip(Message({U32Attr(kRootlessEuidAttr, 1)}), k11).rootless_euid());
}

// ---------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------

TEST(DecodeNetlinkTest, TextMustEndWithNul) {
  ExpectDecodeError(Message({Attr(kOomScoreAdjAttr, "12")}), k11, 16,
                    "OOM_SCORE_ADJ 27286: text does not end with a NUL byte");
  ExpectDecodeError(Message({Attr(kUidmapPathAttr, "")}), k11, 16,
                    "UIDMAPPATH 27288: text does not end with a NUL byte");
}

TEST(DecodeNetlinkTest, TextMustNotContainNul) {
  ExpectDecodeError(
      Message({Text(kNsPathsAttr, std::string("net:/a\0b", 8))}), k11, 26,
      "NS_PATHS 27282: NUL byte inside the text");
  ExpectDecodeError(
      Message({Text(kGidmapPathAttr, std::string("/usr/bin/x\0", 11))}), k11,
      30, "GIDMAPPATH 27289: NUL byte inside the text");
}

// ---------------------------------------------------------------------------
// NS_PATHS
// ---------------------------------------------------------------------------

TEST(NsPathsTest, EveryNameAndColonsInPaths) {
  v1::BootstrapRequest request = RoundTrip(
      Message({Text(kNsPathsAttr,
                    "user:/a,ipc:/b,uts:/c,net:/d:e,pid:/f,mnt:/g,cgroup:/h,"
                    "time:/i")}),
      k12);
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(R"pb(
    join_namespaces { type: NAMESPACE_USER path: "/a" }
    join_namespaces { type: NAMESPACE_IPC path: "/b" }
    join_namespaces { type: NAMESPACE_UTS path: "/c" }
    join_namespaces { type: NAMESPACE_NET path: "/d:e" }
    join_namespaces { type: NAMESPACE_PID path: "/f" }
    join_namespaces { type: NAMESPACE_MOUNT path: "/g" }
    join_namespaces { type: NAMESPACE_CGROUP path: "/h" }
    join_namespaces { type: NAMESPACE_TIME path: "/i" }
    netlink_layout { attribute_order: 27282 flags: 1 sequence: 1 port: 0 }
  )pb"))) << request.DebugString();
}

TEST(NsPathsTest, Empty) {
  ExpectDecodeError(Message({Text(kNsPathsAttr, "")}), k11, 16,
                    "NS_PATHS 27282: empty namespace list");
}

TEST(NsPathsTest, EmptyEntry) {
  ExpectDecodeError(Message({Text(kNsPathsAttr, ",net:/a")}), k11, 20,
                    "empty entry");
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:/a,")}), k11, 27,
                    "empty entry");
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:/a,,ipc:/b")}), k11, 27,
                    "empty entry");
}

TEST(NsPathsTest, EntryWithoutColon) {
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:/a,ipc")}), k11, 27,
                    "entry \"ipc\" is not \"name:path\"");
}

TEST(NsPathsTest, UnknownName) {
  // runc <= 1.2 joined "foo" with setns(fd, 0), i.e. any type.
  ExpectDecodeError(Message({Text(kNsPathsAttr, "foo:/proc/1/ns/net")}), k11,
                    20, "unknown namespace name \"foo\"");
  ExpectDecodeError(Message({Text(kNsPathsAttr, ":/proc/1/ns/net")}), k11, 20,
                    "unknown namespace name \"\"");
}

TEST(NsPathsTest, SecondEntryForAType) {
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:/a,net:/b")}), k11, 27,
                    "second entry for net");
}

TEST(NsPathsTest, PathMustBeAbsoluteAndBounded) {
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:proc/1/ns/net")}), k11,
                    24, "path \"proc/1/ns/net\" is not absolute");
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:")}), k11, 24,
                    "path is empty");
  const std::string longest = "/" + std::string(kMaxPathSize - 1, 'a');
  RoundTrip(Message({Text(kNsPathsAttr, "net:" + longest)}), k11);
  ExpectDecodeError(Message({Text(kNsPathsAttr, "net:" + longest + "a")}),
                    k11, 24, "path is 4096 bytes, over the limit of 4095");
}

// ---------------------------------------------------------------------------
// UIDMAP / GIDMAP
// ---------------------------------------------------------------------------

TEST(IdMapTest, SeveralLines) {
  v1::BootstrapRequest request = RoundTrip(
      Message({Text(kUidmapAttr, "0 1000 1\n1 100000 65536\n"),
               Text(kGidmapAttr, "0 0 4294967295\n4294967295 0 1\n")}),
      k11);
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(R"pb(
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
    uid_mappings { container_id: 1 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 0 size: 4294967295 }
    gid_mappings { container_id: 4294967295 host_id: 0 size: 1 }
    netlink_layout {
      attribute_order: [ 27283, 27284 ] flags: 1 sequence: 1 port: 0
    }
  )pb"))) << request.DebugString();
}

TEST(IdMapTest, Empty) {
  ExpectDecodeError(Message({Text(kUidmapAttr, "")}), k11, 16,
                    "UIDMAP 27283: no mappings");
}

TEST(IdMapTest, Syntax) {
  // Payload starts at offset 20.
  ExpectDecodeError(Message({Text(kUidmapAttr, "0 1000 1")}), k11, 28,
                    "line 1: expected a newline after the size");
  ExpectDecodeError(Message({Text(kUidmapAttr, "0  1000 1\n")}), k11, 22,
                    "line 1: host id: expected a decimal number");
  ExpectDecodeError(Message({Text(kGidmapAttr, "0 1000 1\n-1 0 1\n")}), k11,
                    29, "GIDMAP 27284: line 2: container id: expected a "
                        "decimal number");
  ExpectDecodeError(Message({Text(kUidmapAttr, "+0 1000 1\n")}), k11, 20,
                    "expected a decimal number");
  ExpectDecodeError(Message({Text(kUidmapAttr, "0 01000 1\n")}), k11, 22,
                    "line 1: host id: leading zero");
  ExpectDecodeError(Message({Text(kUidmapAttr, "0\t1000 1\n")}), k11, 21,
                    "line 1: expected a space after the container id");
  ExpectDecodeError(Message({Text(kUidmapAttr, "0 1000 1\r\n")}), k11, 28,
                    "expected a newline after the size");
}

TEST(IdMapTest, Overflow) {
  ExpectDecodeError(Message({Text(kUidmapAttr, "4294967296 0 1\n")}), k11, 20,
                    "line 1: container id: number out of range");
  ExpectDecodeError(
      Message({Text(kUidmapAttr, "0 0 99999999999999999999999\n")}), k11, 24,
      "line 1: size: number out of range");
}

TEST(IdMapTest, SizeZero) {
  ExpectDecodeError(Message({Text(kUidmapAttr, "0 0 1\n5 5 0\n")}), k11, 26,
                    "line 2: size 0");
}

TEST(IdMapTest, RangeWrap) {
  RoundTrip(Message({Text(kUidmapAttr, "4294967294 0 2\n")}), k11);
  ExpectDecodeError(Message({Text(kUidmapAttr, "4294967295 0 2\n")}), k11, 20,
                    "line 1: container range 4294967295+2 wraps past 2^32");
  ExpectDecodeError(Message({Text(kGidmapAttr, "0 4294967000 1000\n")}), k11,
                    20, "line 1: host range 4294967000+1000 wraps past 2^32");
}

TEST(IdMapTest, AtMost340Lines) {
  std::string text;
  for (int i = 0; i < kMaxIdMappings; ++i) {
    absl::StrAppend(&text, i, " ", 100000 + i, " 1\n");
  }
  EXPECT_EQ(RoundTrip(Message({Text(kUidmapAttr, text)}), k11)
                .uid_mappings_size(),
            kMaxIdMappings);
  const size_t line341 = text.size();
  text += "999 999 1\n";
  ExpectDecodeError(Message({Text(kUidmapAttr, text)}), k11, 20 + line341,
                    "UIDMAP 27283: more than 340 lines");
}

// ---------------------------------------------------------------------------
// OOM_SCORE_ADJ
// ---------------------------------------------------------------------------

TEST(OomScoreAdjTest, Range) {
  EXPECT_EQ(RoundTrip(Message({Text(kOomScoreAdjAttr, "-1000")}), k11)
                .oom_score_adj(),
            -1000);
  EXPECT_EQ(RoundTrip(Message({Text(kOomScoreAdjAttr, "1000")}), k11)
                .oom_score_adj(),
            1000);
  EXPECT_EQ(
      RoundTrip(Message({Text(kOomScoreAdjAttr, "0")}), k11).oom_score_adj(),
      0);
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "1001")}), k11, 20,
                    "\"1001\": number out of range (must be -1000..1000)");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "-1001")}), k11, 20,
                    "number out of range");
  ExpectDecodeError(
      Message({Text(kOomScoreAdjAttr, "99999999999999999999999")}), k11, 20,
      "number out of range");
}

TEST(OomScoreAdjTest, Syntax) {
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "")}), k11, 20,
                    "expected a decimal number");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "+5")}), k11, 20,
                    "expected a decimal number");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "05")}), k11, 20,
                    "leading zero");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "-0")}), k11, 20,
                    "\"-0\" is not canonical");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "12a")}), k11, 22,
                    "trailing characters");
  ExpectDecodeError(Message({Text(kOomScoreAdjAttr, "12\n")}), k11, 22,
                    "trailing characters");
}

// ---------------------------------------------------------------------------
// Helper paths
// ---------------------------------------------------------------------------

TEST(HelperPathTest, AbsoluteAndBounded) {
  v1::BootstrapRequest request =
      RoundTrip(Message({Text(kUidmapPathAttr, "/usr/bin/newuidmap"),
                         Text(kGidmapPathAttr, "/usr/bin/newgidmap")}),
                k11);
  EXPECT_EQ(request.uidmap_helper(), "/usr/bin/newuidmap");
  EXPECT_EQ(request.gidmap_helper(), "/usr/bin/newgidmap");
  ExpectDecodeError(Message({Text(kUidmapPathAttr, "newuidmap")}), k11, 20,
                    "UIDMAPPATH 27288: helper path \"newuidmap\" is not "
                    "absolute");
  ExpectDecodeError(Message({Text(kGidmapPathAttr, "")}), k11, 20,
                    "GIDMAPPATH 27289: helper path is empty");
  ExpectDecodeError(
      Message({Text(kGidmapPathAttr, "/" + std::string(kMaxPathSize, 'x'))}),
      k11, 20, "helper path is 4096 bytes");
}

// ---------------------------------------------------------------------------
// 27290: MOUNT_SOURCES (runc 1.1) / TIMENSOFFSET (runc 1.2+)
// ---------------------------------------------------------------------------

TEST(MountSourcesTest, NulSeparatedWithEmptyEntries) {
  // runc 1.1.5: "<source or nothing>\0" per mount, then Bytemsg's NUL.
  v1::BootstrapRequest request = RoundTrip(
      Message({Text(kMountSourcesAttr,
                    std::string("\0/src/a\0\0/src/b\0", 16))}),
      k11);
  ASSERT_EQ(request.mount_sources_size(), 4);
  EXPECT_EQ(request.mount_sources(0), "");
  EXPECT_EQ(request.mount_sources(1), "/src/a");
  EXPECT_EQ(request.mount_sources(2), "");
  EXPECT_EQ(request.mount_sources(3), "/src/b");
}

TEST(MountSourcesTest, Malformed) {
  ExpectDecodeError(Message({Text(kMountSourcesAttr, "")}), k11, 16,
                    "MOUNT_SOURCES (runc 1.1) 27290: no entries");
  ExpectDecodeError(Message({Text(kMountSourcesAttr, "/src/a")}), k11, 26,
                    "last entry lacks its own NUL");
  ExpectDecodeError(
      Message({Text(kMountSourcesAttr, std::string("/a\0src\0", 7))}), k11,
      23, "mount source \"src\" is not absolute");
  ExpectDecodeError(Message({Attr(kMountSourcesAttr, "/a")}), k11, 16,
                    "text does not end with a NUL byte");
}

TEST(MountSourcesTest, AtMost1024Entries) {
  std::string text(kMaxMountSources, '\0');
  EXPECT_EQ(RoundTrip(Message({Text(kMountSourcesAttr, text)}), k11)
                .mount_sources_size(),
            kMaxMountSources);
  ExpectDecodeError(Message({Text(kMountSourcesAttr, text + '\0')}), k11,
                    20 + kMaxMountSources, "more than 1024 entries");
}

TEST(TimeOffsetsTest, Lines) {
  v1::BootstrapRequest request = RoundTrip(
      Message({Text(kTimeOffsetsAttr,
                    "boottime -9223372036854775808 999999999\n"
                    "monotonic 9223372036854775807 0\n")}),
      k12);
  EXPECT_TRUE(MessageDifferencer::Equals(request, ParseText(R"pb(
    time_offsets {
      clock: TIME_CLOCK_BOOTTIME
      seconds: -9223372036854775808
      nanoseconds: 999999999
    }
    time_offsets {
      clock: TIME_CLOCK_MONOTONIC
      seconds: 9223372036854775807
      nanoseconds: 0
    }
    netlink_layout { attribute_order: 27290 flags: 1 sequence: 1 port: 0 }
  )pb"))) << request.DebugString();
}

TEST(TimeOffsetsTest, Malformed) {
  ExpectDecodeError(Message({Text(kTimeOffsetsAttr, "")}), k12, 16,
                    "TIMENSOFFSET (runc 1.2+) 27290: no offsets");
  ExpectDecodeError(Message({Text(kTimeOffsetsAttr, "realtime 1 0\n")}), k12,
                    20, "line 1: expected \"monotonic \" or \"boottime \"");
  ExpectDecodeError(Message({Text(kTimeOffsetsAttr, "7 1 0\n")}), k12, 20,
                    "expected \"monotonic \"");
  ExpectDecodeError(
      Message({Text(kTimeOffsetsAttr, "monotonic 1 0\nmonotonic 2 0\n")}),
      k12, 34, "line 2: second offset for monotonic");
  ExpectDecodeError(
      Message({Text(kTimeOffsetsAttr, "boottime 1 1000000000\n")}), k12, 31,
      "line 1: nanoseconds: number out of range (must be below 1000000000)");
  ExpectDecodeError(
      Message({Text(kTimeOffsetsAttr, "boottime 9223372036854775808 0\n")}),
      k12, 29, "line 1: seconds: number out of range");
  ExpectDecodeError(Message({Text(kTimeOffsetsAttr, "boottime -0 0\n")}), k12,
                    29, "line 1: seconds: \"-0\" is not canonical");
  ExpectDecodeError(Message({Text(kTimeOffsetsAttr, "boottime 1 0")}), k12,
                    32, "expected a newline after the nanoseconds");
  ExpectDecodeError(Message({Text(kTimeOffsetsAttr, "boottime 1 -1\n")}), k12,
                    31, "nanoseconds: expected a decimal number");
}

TEST(Attribute27290Test, DialectDecidesTheMeaning) {
  // A runc 1.2 TIMENSOFFSET fed to a 1.1 decoder (runc 1.1.5's nsexec tried
  // to open() the text as a mount source and died), and the other way round.
  const std::string timens =
      Message({Text(kTimeOffsetsAttr, "monotonic 100 0\n")});
  ExpectDecodeError(timens, k11, 36,
                    "MOUNT_SOURCES (runc 1.1) 27290: last entry lacks its "
                    "own NUL");
  const std::string mounts =
      Message({Text(kMountSourcesAttr, std::string("/src\0", 5))});
  ExpectDecodeError(mounts, k12, 24,
                    "TIMENSOFFSET (runc 1.2+) 27290: NUL byte inside the "
                    "text");
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

TEST(EncodeNetlinkTest, DefaultLayoutIsRuncs) {
  // Every field, no layout: runc 1.1.5's order, CLONE_FLAGS and
  // ROOTLESS_EUID always.
  v1::BootstrapRequest request = ParseText(R"pb(
    mount_sources: [ "/m" ]
    oom_score_adj: 5
    setgroups: SETGROUPS_ALLOW
    gidmap_helper: "/g"
    gid_mappings { container_id: 0 host_id: 1 size: 2 }
    uid_mappings { container_id: 3 host_id: 4 size: 5 }
    uidmap_helper: "/u"
    join_namespaces { type: NAMESPACE_NET path: "/n" }
  )pb");
  const std::string expected =
      Message({U32Attr(kCloneFlagsAttr, 0), Text(kNsPathsAttr, "net:/n"),
               Text(kUidmapPathAttr, "/u"), Text(kUidmapAttr, "3 4 5\n"),
               Text(kGidmapAttr, "0 1 2\n"), Text(kGidmapPathAttr, "/g"),
               U32Attr(kSetgroupAttr, 1), Text(kOomScoreAdjAttr, "5"),
               U32Attr(kRootlessEuidAttr, 0),
               Text(kMountSourcesAttr, std::string("/m\0", 3))});
  EXPECT_THAT(EncodeNetlink(request, k11),
              nsboot::testing::IsOkAndHolds(expected));
  // And the decoder reads back the same request plus its layout.
  NSBOOT_ASSERT_OK_AND_ASSIGN(v1::BootstrapRequest decoded,
                              DecodeNetlink(expected, k11));
  decoded.clear_netlink_layout();
  request.set_rootless_euid(false);
  EXPECT_TRUE(MessageDifferencer::Equals(decoded, request))
      << decoded.DebugString();
}

TEST(EncodeNetlinkTest, EmptyRequestIsRuncExecWithNothingToJoin) {
  EXPECT_THAT(EncodeNetlink(v1::BootstrapRequest(), k12),
              nsboot::testing::IsOkAndHolds(
                  Message({U32Attr(kCloneFlagsAttr, 0),
                           U32Attr(kRootlessEuidAttr, 0)})));
}

TEST(EncodeNetlinkTest, SetgroupsDenyIsFalse) {
  v1::BootstrapRequest request;
  request.set_setgroups(v1::SETGROUPS_DENY);
  EXPECT_THAT(EncodeNetlink(request, k11),
              nsboot::testing::IsOkAndHolds(Message(
                  {U32Attr(kCloneFlagsAttr, 0), U32Attr(kSetgroupAttr, 0),
                   U32Attr(kRootlessEuidAttr, 0)})));
}

TEST(EncodeNetlinkTest, LayoutOrderThenTheRest) {
  v1::BootstrapRequest request = ParseText(R"pb(
    create_namespaces: NAMESPACE_NET
    oom_score_adj: -3
    rootless_euid: true
    uid_mappings { container_id: 0 host_id: 1 size: 1 }
    netlink_layout {
      attribute_order: [ 27287, 27284, 27286 ] sequence: 9
    }
  )pb");
  // 27284 (GIDMAP) is listed but unset: skipped. CLONE_FLAGS and UIDMAP are
  // set but not listed: appended in runc's order.
  const std::string body =
      U32Attr(kRootlessEuidAttr, 1) + Text(kOomScoreAdjAttr, "-3") +
      U32Attr(kCloneFlagsAttr, 0x40000000) + Text(kUidmapAttr, "0 1 1\n");
  EXPECT_THAT(EncodeNetlink(request, k11),
              nsboot::testing::IsOkAndHolds(
                  Header(static_cast<uint32_t>(16 + body.size()),
                         kRuncInitMsgType, 1, 9, 0) +
                  body));
}

TEST(EncodeNetlinkTest, ListedCloneFlagsAreWrittenAsZero) {
  v1::BootstrapRequest request =
      ParseText("netlink_layout { attribute_order: 27281 }");
  EXPECT_THAT(EncodeNetlink(request, k11),
              nsboot::testing::IsOkAndHolds(
                  Message({U32Attr(kCloneFlagsAttr, 0)})));
}

TEST(EncodeNetlinkTest, RejectsWhatNetlinkCannotCarry) {
  EXPECT_THAT(EncodeNetlink(ParseText("options { seal_exe: true }"), k11),
              StatusIs(kInvalid, HasSubstr("options: nsboot options cannot "
                                           "be carried")));
  EXPECT_THAT(EncodeNetlink(ParseText("options {}"), k11),
              StatusIs(kInvalid, HasSubstr("options:")));
  EXPECT_THAT(
      EncodeNetlink(
          ParseText("join_namespaces { type: NAMESPACE_NET pid: 1 }"), k11),
      StatusIs(kInvalid, HasSubstr("join_namespaces[0]: runc's netlink "
                                   "message can only join by path")));
  EXPECT_THAT(
      EncodeNetlink(
          ParseText("join_namespaces { type: NAMESPACE_NET pidfd: 3 }"), k12),
      StatusIs(kInvalid, HasSubstr("join_namespaces[0]: runc's netlink")));
  EXPECT_THAT(
      EncodeNetlink(
          ParseText("join_namespaces { type: NAMESPACE_NET path: \"/a,b\" }"),
          k11),
      StatusIs(kInvalid, HasSubstr("join_namespaces[0].path: contains ','")));
}

TEST(EncodeNetlinkTest, Attribute27290MustMatchTheDialect) {
  EXPECT_THAT(EncodeNetlink(ParseText("mount_sources: \"/a\""), k12),
              StatusIs(kInvalid, HasSubstr("mount_sources: runc 1.2+ has no "
                                           "MOUNT_SOURCES")));
  EXPECT_THAT(
      EncodeNetlink(ParseText("time_offsets { clock: TIME_CLOCK_BOOTTIME }"),
                    k11),
      StatusIs(kInvalid, HasSubstr("time_offsets: runc 1.1 has no "
                                   "TIMENSOFFSET")));
}

TEST(EncodeNetlinkTest, RejectsInvalidRequests) {
  EXPECT_THAT(EncodeNetlink(ParseText("oom_score_adj: 1001"), k11),
              StatusIs(kInvalid, HasSubstr("oom_score_adj: 1001")));
  EXPECT_THAT(
      EncodeNetlink(ParseText("netlink_layout { attribute_order: 27291 }"),
                    k12),
      StatusIs(kInvalid, HasSubstr("unknown attribute type 27291")));
  EXPECT_THAT(
      EncodeNetlink(ParseText("uid_mappings { host_id: 1 size: 0 }"), k12),
      StatusIs(kInvalid, HasSubstr("uid_mappings[0].size")));
}

TEST(EncodeNetlinkTest, BytemsgOver65535IsRejected) {
  // CVE-2021-43784: nla_len would overflow its u16.
  v1::BootstrapRequest request;
  for (int i = 0; i < 16; ++i) {
    request.add_mount_sources("/" + std::string(kMaxPathSize - 1, 'a'));
  }
  EXPECT_THAT(EncodeNetlink(request, k11),
              StatusIs(kInvalid, HasSubstr("mount_sources: MOUNT_SOURCES "
                                           "(runc 1.1) 27290 would be 65541 "
                                           "bytes, over netlink's limit of "
                                           "65535 (CVE-2021-43784)")));
  request.mutable_mount_sources()->RemoveLast();
  EXPECT_THAT(EncodeNetlink(request, k11), IsOk());
}

TEST(EncodeNetlinkTest, DecodeOfEncodeIsIdentityPlusLayout) {
  v1::BootstrapRequest request = ParseText(R"pb(
    create_namespaces: [ NAMESPACE_UTS, NAMESPACE_USER, NAMESPACE_TIME ]
    join_namespaces { type: NAMESPACE_NET path: "/proc/7/ns/net" }
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
    gid_mappings { container_id: 0 host_id: 1000 size: 1 }
    setgroups: SETGROUPS_DENY
    oom_score_adj: 0
    rootless_euid: true
    uidmap_helper: "/usr/bin/newuidmap"
    gidmap_helper: "/usr/bin/newgidmap"
    time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: -5 nanoseconds: 7 }
    netlink_layout { flags: 0 sequence: 0 port: 4242 }
  )pb");
  NSBOOT_ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeNetlink(request, k12));
  NSBOOT_ASSERT_OK_AND_ASSIGN(v1::BootstrapRequest decoded,
                              DecodeNetlink(bytes, k12));
  decoded.mutable_netlink_layout()->clear_attribute_order();
  EXPECT_TRUE(MessageDifferencer::Equals(decoded, request))
      << decoded.DebugString();
}

// ---------------------------------------------------------------------------
// Robustness: every truncation and every single-byte change of a valid
// message either decodes to a valid request that re-encodes byte-exactly, or
// fails with a DecodeError inside the message.
// ---------------------------------------------------------------------------

void ExpectCleanOutcome(const std::string& bytes, RuncDialect dialect) {
  absl::StatusOr<v1::BootstrapRequest> decoded = DecodeNetlink(bytes, dialect);
  if (!decoded.ok()) {
    ASSERT_EQ(decoded.status().code(), kInvalid) << decoded.status();
    std::optional<uint64_t> at = DecodeErrorOffset(decoded.status());
    ASSERT_TRUE(at.has_value()) << decoded.status();
    ASSERT_LE(*at, bytes.size()) << decoded.status();
    return;
  }
  ASSERT_THAT(ValidateRequest(*decoded), IsOk());
  absl::StatusOr<std::string> encoded = EncodeNetlink(*decoded, dialect);
  ASSERT_THAT(encoded, IsOk());
  ASSERT_EQ(absl::BytesToHexString(*encoded), absl::BytesToHexString(bytes));
}

TEST(RobustnessTest, TruncationsAndByteFlips) {
  const std::string seeds[] = {
      Unhex(kDumpC),
      Message({U32Attr(kCloneFlagsAttr, 0x10020000),
               Text(kNsPathsAttr, "net:/n,ipc:/i"),
               Text(kUidmapPathAttr, "/h"), Text(kUidmapAttr, "0 1 2\n"),
               Text(kMountSourcesAttr, std::string("/a\0\0", 4))}),
      Message({Text(kTimeOffsetsAttr, "boottime 1 2\nmonotonic -3 4\n")}),
  };
  for (const std::string& seed : seeds) {
    for (RuncDialect dialect : {k11, k12}) {
      for (size_t len = 0; len <= seed.size(); ++len) {
        std::string cut = seed.substr(0, len);
        if (len >= 4) {
          const uint32_t n = static_cast<uint32_t>(len);
          std::memcpy(&cut[0], &n, sizeof(n));
        }
        ExpectCleanOutcome(cut, dialect);
      }
      for (size_t i = 0; i < seed.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
          std::string flipped = seed;
          flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
          ExpectCleanOutcome(flipped, dialect);
        }
      }
    }
  }
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
