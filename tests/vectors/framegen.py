"""Writes the golden frame vectors (tests/vectors/frame/NAME.{bin,textproto}).

The bytes come from python3-protobuf's deterministic serialization and the
example parent's framing (examples/parents/python/nsbootparent/frame.py),
not from nsboot's C++ encoders: //tests/vectors:frame_vectors_test checks
that nsboot's decoders read them as the textproto says and that its encoder
writes the same bytes. A vector, once checked in, never changes (old vectors
keep decoding); a new schema version adds vectors.

    framegen.py OUT_DIR      (tests/vectors/regenerate_frames.sh runs it)
"""

import os
import sys

from google.protobuf import text_format

from nsbootparent import frame

# name -> (comment, request as text proto). Together they set every request
# field of schema versions 1 and 2 at least once.
VECTORS = {
    "v1_empty": ("schema version 0 (read as 1), nothing asked: an empty "
                 "payload", ""),
    "v1_create_userns": (
        "a user namespace with maps, and every option of version 1",
        """
        schema_version: 1
        create_namespaces: [NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC,
                            NAMESPACE_USER, NAMESPACE_PID, NAMESPACE_NET]
        uid_mappings { container_id: 0 host_id: 1000 size: 1 }
        uid_mappings { container_id: 1 host_id: 100000 size: 65536 }
        gid_mappings { container_id: 0 host_id: 1000 size: 1 }
        setgroups: SETGROUPS_DENY
        options { seal_exe: true parent_death_signal: 9
                  log_level: LOG_LEVEL_DEBUG reply_pidfds: true }
        """),
    "v1_join_targets": (
        "joins by path, pid and pidfd; oom_score_adj, rootless_euid, the "
        "map helpers, time offsets and mount sources",
        """
        schema_version: 1
        create_namespaces: [NAMESPACE_TIME, NAMESPACE_CGROUP]
        join_namespaces { type: NAMESPACE_NET path: "/proc/1234/ns/net" }
        join_namespaces { type: NAMESPACE_PID pid: 1234 }
        join_namespaces { type: NAMESPACE_IPC pidfd: 7 }
        setgroups: SETGROUPS_ALLOW
        oom_score_adj: -500
        rootless_euid: false
        uidmap_helper: "/usr/bin/newuidmap"
        gidmap_helper: "/usr/bin/newgidmap"
        time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: -86400 }
        time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 3600
                       nanoseconds: 500 }
        mount_sources: ["/srv/data", ""]
        netlink_layout { attribute_order: [27281, 27282] flags: 1
                         sequence: 0 port: 0 }
        """),
    "v2_skip_namespace_ids": (
        "schema version 2: Pids without namespace ids",
        """
        schema_version: 2
        create_namespaces: [NAMESPACE_PID, NAMESPACE_NET, NAMESPACE_UTS]
        options { reply_pidfds: true skip_namespace_ids: true }
        """),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, (comment, text) in sorted(VECTORS.items()):
        request = text_format.Parse(text, frame.pb.BootstrapRequest())
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(frame.encode_request(request))
        with open(os.path.join(out, name + ".textproto"), "w") as f:
            f.write("# proto-file: proto/nsboot/v1/bootstrap.proto\n")
            f.write("# proto-message: nsboot.v1.BootstrapRequest\n")
            f.write("# %s\n" % comment)
            f.write(text_format.MessageToString(request))
    print(len(VECTORS))


if __name__ == "__main__":
    main(sys.argv[1])
