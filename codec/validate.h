// Structural validation of a BootstrapRequest, whatever its encoding.
//
// Both decoders (codec/netlink, codec/frame) run it, so everything past the
// codecs sees only requests that satisfy the rules below; the encoders run
// it too, so nsboot never emits what it would refuse to read. The limits are
// the constants of codec/limits.h; docs/PROTOCOL.md lists them.
//
// Rules (each violation is InvalidArgument "<field path>: <reason>", e.g.
// "join_namespaces[2].path: not absolute"):
//  * schema_version is 0, 1 or 2 (<= kMaxSchemaVersion).
//  * create_namespaces: known Namespace values only (not UNSPECIFIED), no
//    duplicates.
//  * join_namespaces: known type, at most one join per type, a target set;
//    path non-empty, absolute, no NUL, at most kMaxPathSize bytes; pid > 0;
//    pidfd >= 0.
//  * uid_mappings / gid_mappings: at most kMaxIdMappings entries; size >= 1;
//    neither container_id + size nor host_id + size exceeds 2^32.
//  * setgroups: a known SetgroupsPolicy value.
//  * oom_score_adj, when set: kMinOomScoreAdj..kMaxOomScoreAdj.
//  * uidmap_helper / gidmap_helper, when set: absolute, no NUL, at most
//    kMaxPathSize bytes.
//  * time_offsets: at most one per clock (so at most kMaxTimeOffsets), a
//    known clock, 0 <= nanoseconds < 1e9.
//  * mount_sources: at most kMaxMountSources entries; each empty, or an
//    absolute path without NUL of at most kMaxPathSize bytes.
//  * options: a known log_level; parent_death_signal 0..kMaxSignal;
//    skip_namespace_ids only with schema_version 2 (a v1 request is
//    written for v1 children, which would not know the field).
//  * netlink_layout: at most kMaxNetlinkAttributes attribute types, each a
//    known runc attribute type (27281..27290) listed once; flags <= 0xFFFF.
//
// Not checked here (they need more than the request): overlapping id-map
// ranges (the kernel checks), whether a path exists, and what the netlink
// encoding cannot carry (codec/netlink's EncodeNetlink checks that).
#ifndef NSBOOT_CODEC_VALIDATE_H_
#define NSBOOT_CODEC_VALIDATE_H_

#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {

// OK, or InvalidArgument naming the first offending field. The plain
// overload is the implementation (no protobuf runtime); the generated one
// converts (validate_proto.cc, linked only where it is called).
Status ValidateRequest(const v1::plain::BootstrapRequest& request);
Status ValidateRequest(const v1::BootstrapRequest& request);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_VALIDATE_H_
