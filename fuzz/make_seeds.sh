#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/ from the golden vectors
# (tests/vectors), the example requests (examples/requests) and hand-made
# edge cases. Seeds are checked in; run this after adding vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
# BAZEL may name another output base: BAZEL="bazel --output_base=..."
BAZEL=${BAZEL:-bazel}
$BAZEL build //cli:nsboot >/dev/null 2>&1
nsboot=$($BAZEL info bazel-bin 2>/dev/null)/cli/nsboot
c=fuzz/corpus
mkdir -p $c/netlink_decode $c/frame_decode $c/reader_chunked $c/differential $c/plan

# Golden runc messages. The reader and differential targets take a control
# byte first: bit 0 picks the dialect (0 = runc-1.1, 1 = runc-1.2).
for bin in tests/vectors/*.netlink.bin; do
  name=$(basename "$bin" .netlink.bin)
  if grep -q '^# dialect: runc-1.2' "tests/vectors/$name.textproto"; then d='\x01'; else d='\x00'; fi
  # The 12.7 KB large_idmaps vector stays out of the fuzzing corpora: its
  # mutants dominated the corpus and held netlink_decode at ~26k exec/s
  # (docs/FUZZING.md); edge_idmap_340/341 below cover the line limit in 2 KB.
  [ "$name" = large_idmaps ] && continue
  cp "$bin" "$c/netlink_decode/vector_$name"
  { printf "$d"; cat "$bin"; } > "$c/differential/vector_$name"
  { printf "$d"; cat "$bin"; } > "$c/plan/vector_$name"
  { printf "$d"; cat "$bin"; printf '{"later":"traffic"}'; } > "$c/reader_chunked/vector_$name"
done

# Example requests as native frames (and netlink where runc can carry them).
for tp in examples/requests/*.textproto; do
  name=$(basename "$tp" .textproto)
  "$nsboot" encode --to=proto "$tp" > "$c/frame_decode/example_$name"
  { printf '\x2a'; cat "$c/frame_decode/example_$name"; } > "$c/reader_chunked/example_$name"
  for d in 0 1; do
    { printf "\\x0$d"; cat "$c/frame_decode/example_$name"; } > "$c/differential/example_${name}_$d"
  done
  { printf '\x0b'; cat "$c/frame_decode/example_$name"; } > "$c/plan/example_$name"
  if "$nsboot" encode --to=netlink "$tp" > /tmp/seed.$$ 2>/dev/null; then
    cp /tmp/seed.$$ "$c/netlink_decode/example_$name"
  fi
done
rm -f /tmp/seed.$$

# Golden native frames (tests/vectors/frame), versions 1 and 2.
for bin in tests/vectors/frame/*.bin; do
  name=$(basename "$bin" .bin)
  cp "$bin" "$c/frame_decode/vector_$name"
  { printf '\x2a'; cat "$bin"; } > "$c/reader_chunked/frame_vector_$name"
  for d in 0 1; do
    { printf "\\x0$d"; cat "$bin"; } > "$c/differential/frame_vector_${name}_$d"
  done
  { printf '\x0b'; cat "$bin"; } > "$c/plan/frame_vector_$name"
done

# Hand-made edge cases (host byte order, x86-64).
hdr() { printf "$(printf '\\x%02x\\x%02x\\x00\\x00' $(($1 & 255)) $(($1 >> 8)))"'\x30\xf2\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00'; }
{ hdr 24; printf '\x00\x00\x91\x6a\x00\x00\x00\x00'; } > $c/netlink_decode/edge_nla_len_zero
{ hdr 24; printf '\xff\x00\x91\x6a\x00\x00\x00\x00'; } > $c/netlink_decode/edge_nla_len_past_end
{ hdr 16; } > $c/netlink_decode/edge_no_attributes
{ hdr 8; } > $c/netlink_decode/edge_nlmsg_len_short
{ hdr 32; printf '\x08\x00\x91\x6a\x00\x00\x00\x40\x08\x00\x91\x6a\x00\x00\x00\x00'; } > $c/netlink_decode/edge_duplicate_clone_flags
{ hdr 28; printf '\x09\x00\x93\x6a0 0 1\x00\x00\x00\x00'; } > $c/netlink_decode/edge_uidmap_no_newline
{ hdr 32; printf '\x10\x00\x92\x6anet:/a\x00b:/c\x00\x00'; } > $c/netlink_decode/edge_embedded_nul
printf 'NSBT\x01\x01\x00\x00\xff\xff\xff\x7f' > $c/frame_decode/edge_claims_2gib
printf 'NSBT\x01\x01\x00\x00\x04\x00\x00\x00\x1a\x64\x08\x01' > $c/frame_decode/edge_truncated_field
printf 'NSBT\x01\x02\x00\x00\x02\x00\x00\x00\x0a\x00' > $c/frame_decode/edge_reply_ready
printf '\x00\xff\xff\x0f\x00\x30\xf2\x01\x00' > $c/reader_chunked/edge_claims_1gib_netlink
# Id-map line limit: 340 lines (accepted) and 341 (rejected), ~2.5 KB each,
# for the netlink target and, behind a runc-1.1 control byte, the plan target.
python3 - "$c" <<'PY'
import struct, sys
c = sys.argv[1]
for n in (340, 341):
    text = b"".join(b"%d 0 1\n" % i for i in range(n)) + b"\0"
    attr = struct.pack("<HH", 4 + len(text), 27283) + text
    attr += b"\0" * (-len(attr) % 4)
    flags = struct.pack("<HHI", 8, 27281, 0x10000000)
    body = flags + attr
    msg = struct.pack("<IHHII", 16 + len(body), 62000, 1, 1, 0) + body
    open("%s/netlink_decode/edge_idmap_%d_lines" % (c, n), "wb").write(msg)
    open("%s/plan/edge_idmap_%d_lines" % (c, n), "wb").write(b"\0" + msg)
PY
rm -f $c/*/*.frame $c/*/*.netlink $c/*/vector_large_idmaps
echo "seeds: $(find $c -type f | wc -l) files"
