// Structural limits of a BootstrapRequest, shared by every codec and by
// codec::ValidateRequest. They are part of nsboot's documented API
// (docs/PROTOCOL.md, "Netlink encoding (runc)", "Limits"): a parent that
// stays within them is never refused for size, whatever the encoding.
//
// Security: every count and length a peer can claim is checked against one
// of these constants before it is used to index, loop or allocate.
#ifndef NSBOOT_CODEC_LIMITS_H_
#define NSBOOT_CODEC_LIMITS_H_

#include <cstdint>

namespace nsboot {
namespace codec {

// Newest BootstrapRequest.schema_version understood. 0 is read as 1.
inline constexpr uint32_t kMaxSchemaVersion = 2;

// PATH_MAX is 4096 including the terminating NUL: a namespace path, a
// mapping-helper path or a mount source has at most 4095 bytes.
inline constexpr uint32_t kMaxPathSize = 4095;

// Lines of /proc/PID/uid_map or gid_map the kernel accepts
// (KERNEL_EXTENT_COUNT_MAX, Linux 4.15+).
inline constexpr int kMaxIdMappings = 340;

// oom_score_adj range (OOM_SCORE_ADJ_MIN / OOM_SCORE_ADJ_MAX).
inline constexpr int32_t kMinOomScoreAdj = -1000;
inline constexpr int32_t kMaxOomScoreAdj = 1000;

// Time namespace offsets: one per clock (monotonic, boottime), and the
// kernel's 0 <= nanoseconds < 1e9.
inline constexpr int kMaxTimeOffsets = 2;
inline constexpr int64_t kNanosecondsPerSecond = 1000000000;

// runc 1.1 MOUNT_SOURCES: at most this many entries (one per mount of the
// container config). runc itself sets no limit; 1024 mounts is far above
// any real container and keeps the fd-passing loop bounded.
inline constexpr int kMaxMountSources = 1024;

// Options.parent_death_signal: 0 (default) or a signal number below _NSIG.
inline constexpr int32_t kMaxSignal = 64;

// runc's netlink message: nla_len is a u16, and runc's Go encoder refuses a
// Bytemsg whose nla_len would exceed it (CVE-2021-43784, runc 1.0.3).
// Frame payload cap (codec/frame.h). Security: the payload length comes
// from the peer. It is checked against this cap before a single payload
// byte is read or allocated.
inline constexpr uint32_t kMaxFramePayloadSize = 1 << 20;

inline constexpr uint32_t kMaxNetlinkAttributeSize = 65535;
// Every attribute type may appear at most once, and there are ten of them.
inline constexpr int kMaxNetlinkAttributes = 10;
// The attribute types runc 1.0.0-rc5 and later define (codec/netlink.h
// names them): 27281 CLONE_FLAGS .. 27290 MOUNT_SOURCES / TIMENSOFFSET.
inline constexpr uint16_t kFirstNetlinkAttributeType = 27281;
inline constexpr uint16_t kLastNetlinkAttributeType = 27290;

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_LIMITS_H_
