// runc's bootstrap message: one netlink message (nlmsghdr + nlattr stream),
// as runc's Go parent writes it on the init pipe and runc's nsexec.c reads
// it. docs/PROTOCOL.md, "Netlink encoding (runc)", is the normative text;
// this header is the contract of the C++ codec.
//
// Layout (host byte order throughout; the protocol never leaves the host):
//
//   offset 0   u32 nlmsg_len    whole message, header included
//   offset 4   u16 nlmsg_type   kRuncInitMsgType (62000)
//   offset 6   u16 nlmsg_flags  ignored by runc; Go writes NLM_F_REQUEST (1)
//   offset 8   u32 nlmsg_seq    ignored by runc; Go writes a per-process
//                               counter, 1 for runc's only request
//   offset 12  u32 nlmsg_pid    ignored by runc; Go writes 0
//   offset 16  attributes: u16 nla_len (header + payload, unpadded),
//              u16 nla_type, payload, zero padding to a multiple of 4.
//
// Attributes (-> BootstrapRequest field):
//   27281 CLONE_FLAGS    u32, nla_len 8     -> create_namespaces
//   27282 NS_PATHS       "name:path,..."    -> join_namespaces (path)
//   27283 UIDMAP         "%d %d %d\n" lines -> uid_mappings
//   27284 GIDMAP         "%d %d %d\n" lines -> gid_mappings
//   27285 SETGROUP       bool, nla_len 8    -> setgroups (1 ALLOW, 0 DENY)
//   27286 OOM_SCORE_ADJ  decimal text       -> oom_score_adj
//   27287 ROOTLESS_EUID  bool, nla_len 8    -> rootless_euid
//   27288 UIDMAPPATH     path               -> uidmap_helper
//   27289 GIDMAPPATH     path               -> gidmap_helper
//   27290 kRunc11: MOUNT_SOURCES, NUL-separated list -> mount_sources
//         kRunc12: TIMENSOFFSET "<clock> <secs> <nanosecs>\n" lines
//                                           -> time_offsets
// Text attributes are Bytemsg: the payload ends with a NUL counted in
// nla_len. A bool is a u32 that must be 0 or 1.
//
// Decoding contract. DecodeNetlink accepts exactly what runc's Go encoder
// can produce, plus reordering and the ignored header fields, and rejects
// everything else with codec::DecodeError(offset, reason), where offset is
// the byte offset in the message of the offending header field, attribute
// or payload byte. It is stricter than runc's nsexec.c, which checks almost
// nothing (docs/PROTOCOL.md lists the differences):
//  * 16 <= nlmsg_len <= kMaxNetlinkMessageSize, nlmsg_len == the size given.
//  * Every attribute: at least 4 header bytes left, 4 <= nla_len <= bytes
//    left, its padding present (the last attribute's too: Go always pads)
//    and zero.
//  * Unknown attribute types are rejected, as runc does.
//  * A type appearing twice is rejected. runc's C parser lets the last one
//    win, so a second CLONE_FLAGS smuggled in after the first (the
//    CVE-2021-43784 pattern: an oversized Bytemsg overflowing nla_len)
//    would silently replace it; here it is an error.
//  * CLONE_FLAGS, SETGROUP and ROOTLESS_EUID have nla_len exactly 8; clone
//    flags other than CLONE_NEW* bits and bools other than 0/1 are rejected.
//  * Text payloads end with their NUL and contain no other NUL (the mount
//    source list excepted, whose entries are NUL-terminated).
//  * NS_PATHS: non-empty entries "name:path" split at the first ':', name one
//    of cgroup ipc mnt net pid time user uts, at most one entry per name,
//    path absolute and at most kMaxPathSize bytes.
//  * Id maps: 1..kMaxIdMappings lines, each three canonical decimals (no
//    sign, no leading zero) separated by one space and ended by '\n'; each
//    fits in u32, size >= 1, and neither range goes past 2^32.
//  * OOM_SCORE_ADJ: canonical decimal (strconv.Itoa) in -1000..1000.
//  * Helper paths: absolute, at most kMaxPathSize bytes.
//  * MOUNT_SOURCES (kRunc11): 1..kMaxMountSources NUL-terminated entries,
//    each empty or absolute.
//  * TIMENSOFFSET (kRunc12): 1..2 lines "<monotonic|boottime> <secs>
//    <nanosecs>\n", canonical decimals, secs an int64, 0 <= nanosecs < 1e9,
//    one line per clock.
//  * A message with no attributes is valid (runc accepts it: nothing to do).
// Every decoded request passes codec::ValidateRequest, records its
// netlink_layout, and EncodeNetlink(DecodeNetlink(b), same dialect) == b.
//
// Encoding contract. EncodeNetlink refuses (InvalidArgument naming the
// field) whatever DecodeNetlink would refuse, and what netlink cannot carry:
// a request failing ValidateRequest, join by pid or pidfd, a join path
// containing ',', options, mount_sources in kRunc12, time_offsets in
// kRunc11, and any Bytemsg whose nla_len would exceed 65535
// (CVE-2021-43784; runc's Go encoder refuses it too).
//  * With a netlink_layout, the attributes listed in attribute_order are
//    written in that order, skipping those whose field is unset (CLONE_FLAGS
//    excepted: listed, it is written even with no namespace to create, as
//    the value 0), then every other set field in runc's order; the header
//    uses the layout's flags, sequence and port when present.
//  * Without one, the bytes are those runc 1.1.5's bootstrapData writes for
//    the same request: CLONE_FLAGS (always), NS_PATHS, UIDMAPPATH, UIDMAP,
//    GIDMAP, GIDMAPPATH, SETGROUP, OOM_SCORE_ADJ, ROOTLESS_EUID (always,
//    false when unset), then 27290; header flags NLM_F_REQUEST, sequence 1,
//    port 0. (runc only ever sends SETGROUP as true; DENY encodes it as 0.)
#ifndef NSBOOT_CODEC_NETLINK_H_
#define NSBOOT_CODEC_NETLINK_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "codec/limits.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {

// Which runc the peer is. There is no version negotiation in runc's
// protocol and attribute 27290 changed meaning in 1.2.0, so the embedder
// chooses; it is never guessed from the bytes.
enum class RuncDialect {
  kRunc11 = 1,  // runc 1.1.x: 27290 = MOUNT_SOURCES
  kRunc12 = 2,  // runc 1.2.0 and later: 27290 = TIMENSOFFSET
};

inline constexpr uint32_t kNetlinkHeaderSize = 16;
inline constexpr uint16_t kRuncInitMsgType = 62000;
// Security: nlmsg_len comes from the peer (runc's nsexec.c mallocs whatever
// it says). It is checked against this cap before anything is read or
// allocated for the payload. runc's messages are a few hundred bytes; the
// largest possible valid one (ten attributes of at most 64 KiB) is ~640 KiB.
inline constexpr uint32_t kMaxNetlinkMessageSize = 1 << 20;

inline constexpr uint16_t kNlmsgError = 2;       // NLMSG_ERROR
inline constexpr uint16_t kNlmFRequest = 0x0001;  // NLM_F_REQUEST

// Attribute types (runc's libcontainer/message_linux.go names).
inline constexpr uint16_t kCloneFlagsAttr = 27281;
inline constexpr uint16_t kNsPathsAttr = 27282;
inline constexpr uint16_t kUidmapAttr = 27283;
inline constexpr uint16_t kGidmapAttr = 27284;
inline constexpr uint16_t kSetgroupAttr = 27285;
inline constexpr uint16_t kOomScoreAdjAttr = 27286;
inline constexpr uint16_t kRootlessEuidAttr = 27287;
inline constexpr uint16_t kUidmapPathAttr = 27288;
inline constexpr uint16_t kGidmapPathAttr = 27289;
inline constexpr uint16_t kMountSourcesAttr = 27290;  // kRunc11
inline constexpr uint16_t kTimeOffsetsAttr = 27290;   // kRunc12
static_assert(kCloneFlagsAttr == kFirstNetlinkAttributeType, "limits.h");
static_assert(kMountSourcesAttr == kLastNetlinkAttributeType, "limits.h");

// Validates a 16-byte nlmsghdr (host byte order; only the first 16 bytes of
// `header` are looked at, fewer is an error) and returns nlmsg_len, the
// whole message length including the header:
// kNetlinkHeaderSize <= len <= kMaxNetlinkMessageSize, and the type is
// kRuncInitMsgType (NLMSG_ERROR gets its own message).
StatusOr<uint32_t> ParseNetlinkHeader(absl::string_view header);

// Decodes exactly one whole message (header + attributes); its size must
// equal nlmsg_len. See the decoding contract above. DecodeNetlinkPlain is
// the implementation and needs no protobuf runtime (the pre-main path);
// DecodeNetlink converts its result (netlink_proto.cc).
StatusOr<v1::plain::BootstrapRequest> DecodeNetlinkPlain(
    absl::string_view message, RuncDialect dialect);
StatusOr<v1::BootstrapRequest> DecodeNetlink(absl::string_view message,
                                             RuncDialect dialect);

// Encodes the exact bytes runc's Go encoder writes (or the layout recorded
// in request.netlink_layout). See the encoding contract above.
StatusOr<std::string> EncodeNetlink(const v1::plain::BootstrapRequest& request,
                                    RuncDialect dialect);
StatusOr<std::string> EncodeNetlink(const v1::BootstrapRequest& request,
                                    RuncDialect dialect);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_NETLINK_H_
