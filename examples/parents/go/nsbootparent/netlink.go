// Package nsbootparent drives an nsboot-embedded program from Go: it encodes
// a BootstrapRequest as runc's netlink message (with runc 1.1.5's own message
// types) or as an nsboot frame, spawns the program with an init pipe and
// reads its replies. See examples/parents/go/README.md.
package nsbootparent

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/vishvananda/netlink/nl"

	pb "github.com/nsboot/nsboot/proto/nsboot/v1"
)

// Dialect is the runc version the child serves: attribute 27290 is
// MOUNT_SOURCES in runc 1.1 and TIMENSOFFSET in 1.2+.
type Dialect string

const (
	Runc11 Dialect = "runc-1.1"
	Runc12 Dialect = "runc-1.2"
)

// TimeOffsetsAttr is runc 1.2's TIMENSOFFSET; runc 1.1.5 has no name for it.
const TimeOffsetsAttr uint16 = 27290

// runcOrder is runc 1.1.5 bootstrapData's attribute order.
var runcOrder = []uint16{
	libcontainer.CloneFlagsAttr, libcontainer.NsPathsAttr,
	libcontainer.UidmapPathAttr, libcontainer.UidmapAttr,
	libcontainer.GidmapAttr, libcontainer.GidmapPathAttr,
	libcontainer.SetgroupAttr, libcontainer.OomScoreAdjAttr,
	libcontainer.RootlessEUIDAttr, libcontainer.MountSourcesAttr,
}

// Namespaces in nsboot's enum order, with /proc/PID/ns names and clone flags.
var namespaces = []struct {
	ns   pb.Namespace
	name string
	flag uint32
}{
	{pb.Namespace_NAMESPACE_MOUNT, "mnt", 0x00020000},
	{pb.Namespace_NAMESPACE_UTS, "uts", 0x04000000},
	{pb.Namespace_NAMESPACE_IPC, "ipc", 0x08000000},
	{pb.Namespace_NAMESPACE_USER, "user", 0x10000000},
	{pb.Namespace_NAMESPACE_PID, "pid", 0x20000000},
	{pb.Namespace_NAMESPACE_NET, "net", 0x40000000},
	{pb.Namespace_NAMESPACE_CGROUP, "cgroup", 0x02000000},
	{pb.Namespace_NAMESPACE_TIME, "time", 0x00000080},
}

// NamespaceName is the /proc/PID/ns name of a namespace type ("" if unknown).
func NamespaceName(ns pb.Namespace) string {
	for _, n := range namespaces {
		if n.ns == ns {
			return n.name
		}
	}
	return ""
}

func isSet(r *pb.BootstrapRequest, attr uint16, d Dialect) bool {
	switch attr {
	case libcontainer.CloneFlagsAttr:
		return len(r.CreateNamespaces) > 0
	case libcontainer.NsPathsAttr:
		return len(r.JoinNamespaces) > 0
	case libcontainer.UidmapAttr:
		return len(r.UidMappings) > 0
	case libcontainer.GidmapAttr:
		return len(r.GidMappings) > 0
	case libcontainer.SetgroupAttr:
		return r.Setgroups != pb.SetgroupsPolicy_SETGROUPS_UNSPECIFIED
	case libcontainer.OomScoreAdjAttr:
		return r.OomScoreAdj != nil
	case libcontainer.RootlessEUIDAttr:
		return r.RootlessEuid != nil
	case libcontainer.UidmapPathAttr:
		return len(r.UidmapHelper) > 0
	case libcontainer.GidmapPathAttr:
		return len(r.GidmapHelper) > 0
	case libcontainer.MountSourcesAttr:
		if d == Runc11 {
			return len(r.MountSources) > 0
		}
		return len(r.TimeOffsets) > 0
	}
	return false
}

// encodeIDMapping is runc's: "%d %d %d\n" lines.
func encodeIDMapping(maps []*pb.IdMapping) []byte {
	var b bytes.Buffer
	for _, m := range maps {
		fmt.Fprintf(&b, "%d %d %d\n", m.ContainerId, m.HostId, m.Size)
	}
	return b.Bytes()
}

// message builds runc's message type for one attribute.
func message(r *pb.BootstrapRequest, attr uint16, d Dialect) (nl.NetlinkRequestData, error) {
	switch attr {
	case libcontainer.CloneFlagsAttr:
		var flags uint32
		for _, ns := range r.CreateNamespaces {
			for _, n := range namespaces {
				if n.ns == ns {
					flags |= n.flag
				}
			}
		}
		return &libcontainer.Int32msg{Type: attr, Value: flags}, nil
	case libcontainer.SetgroupAttr:
		// runc only ever sends true; SETGROUPS_DENY is written as false.
		return &libcontainer.Boolmsg{Type: attr, Value: r.Setgroups == pb.SetgroupsPolicy_SETGROUPS_ALLOW}, nil
	case libcontainer.RootlessEUIDAttr:
		return &libcontainer.Boolmsg{Type: attr, Value: r.GetRootlessEuid()}, nil
	case libcontainer.NsPathsAttr:
		paths := make([]string, 0, len(r.JoinNamespaces))
		for i, j := range r.JoinNamespaces {
			p, ok := j.Target.(*pb.NamespaceJoin_Path)
			if !ok {
				return nil, fmt.Errorf("join_namespaces[%d]: runc's netlink message can only join by path", i)
			}
			if bytes.ContainsRune(p.Path, ',') {
				return nil, fmt.Errorf("join_namespaces[%d].path: contains ',', the NS_PATHS separator", i)
			}
			paths = append(paths, NamespaceName(j.Type)+":"+string(p.Path))
		}
		return &libcontainer.Bytemsg{Type: attr, Value: []byte(strings.Join(paths, ","))}, nil
	case libcontainer.UidmapAttr:
		return &libcontainer.Bytemsg{Type: attr, Value: encodeIDMapping(r.UidMappings)}, nil
	case libcontainer.GidmapAttr:
		return &libcontainer.Bytemsg{Type: attr, Value: encodeIDMapping(r.GidMappings)}, nil
	case libcontainer.OomScoreAdjAttr:
		return &libcontainer.Bytemsg{Type: attr, Value: []byte(strconv.Itoa(int(r.GetOomScoreAdj())))}, nil
	case libcontainer.UidmapPathAttr:
		return &libcontainer.Bytemsg{Type: attr, Value: r.UidmapHelper}, nil
	case libcontainer.GidmapPathAttr:
		return &libcontainer.Bytemsg{Type: attr, Value: r.GidmapHelper}, nil
	case libcontainer.MountSourcesAttr:
		var b bytes.Buffer
		if d == Runc11 {
			for _, s := range r.MountSources {
				b.Write(s)
				b.WriteByte(0)
			}
		} else {
			for _, o := range r.TimeOffsets {
				clock := "monotonic"
				if o.Clock == pb.TimeClock_TIME_CLOCK_BOOTTIME {
					clock = "boottime"
				}
				fmt.Fprintf(&b, "%s %d %d\n", clock, o.Seconds, o.Nanoseconds)
			}
		}
		return &libcontainer.Bytemsg{Type: attr, Value: b.Bytes()}, nil
	}
	return nil, fmt.Errorf("netlink_layout.attribute_order: unknown attribute type %d", attr)
}

func checkEncodable(r *pb.BootstrapRequest, d Dialect) error {
	if d != Runc11 && d != Runc12 {
		return fmt.Errorf("unknown dialect %q", d)
	}
	if r.Options != nil {
		return fmt.Errorf("options: nsboot options cannot be carried by runc's netlink message")
	}
	if d == Runc12 && len(r.MountSources) > 0 {
		return fmt.Errorf("mount_sources: runc 1.2+ has no MOUNT_SOURCES attribute")
	}
	if d == Runc11 && len(r.TimeOffsets) > 0 {
		return fmt.Errorf("time_offsets: runc 1.1 has no TIMENSOFFSET attribute")
	}
	for _, ns := range r.CreateNamespaces {
		if NamespaceName(ns) == "" {
			return fmt.Errorf("create_namespaces: unknown namespace %v", ns)
		}
	}
	for i, j := range r.JoinNamespaces {
		if NamespaceName(j.Type) == "" {
			return fmt.Errorf("join_namespaces[%d]: unknown namespace %v", i, j.Type)
		}
	}
	if r.OomScoreAdj != nil && (*r.OomScoreAdj < -1000 || *r.OomScoreAdj > 1000) {
		return fmt.Errorf("oom_score_adj: outside -1000..1000")
	}
	return nil
}

// EncodeNetlink writes the bytes runc 1.1.5's parent writes for the request,
// with runc's own message types (libcontainer.Int32msg, Bytemsg, Boolmsg)
// and netlink library (nl.NetlinkRequest). A request with a netlink_layout
// (as decoded from a message) is written in that layout: its attributes in
// attribute_order (CLONE_FLAGS even when 0), then the other set fields in
// runc's order, and its header flags, sequence and port.
func EncodeNetlink(r *pb.BootstrapRequest, d Dialect) (out []byte, err error) {
	if err := checkEncodable(r, d); err != nil {
		return nil, err
	}
	req := nl.NewNetlinkRequest(int(libcontainer.InitMsg), 0)
	// runc quirk: the netlink library numbers requests with a process-wide
	// counter, so runc's one request says 1 but a second one in the same
	// process would say 2. Pin what runc's single request carries.
	req.Seq = 1
	layout := r.NetlinkLayout
	emitted := map[uint16]bool{}
	add := func(attr uint16) error {
		m, err := message(r, attr, d)
		if err != nil {
			return err
		}
		if b, ok := m.(*libcontainer.Bytemsg); ok && b.Len() > math.MaxUint16 {
			// Bytemsg.Serialize panics on this (CVE-2021-43784).
			return fmt.Errorf("attribute %d would be %d bytes, over netlink's limit of 65535", attr, b.Len())
		}
		req.AddData(m)
		return nil
	}
	if layout != nil {
		for _, a := range layout.AttributeOrder {
			attr := uint16(a)
			if a > math.MaxUint16 || emitted[attr] {
				return nil, fmt.Errorf("netlink_layout.attribute_order: bad attribute type %d", a)
			}
			emitted[attr] = true
			if attr != libcontainer.CloneFlagsAttr && !isSet(r, attr, d) {
				continue
			}
			if err := add(attr); err != nil {
				return nil, err
			}
		}
		if layout.Flags != nil {
			req.Flags = uint16(*layout.Flags)
		}
		if layout.Sequence != nil {
			req.Seq = *layout.Sequence
		}
		if layout.Port != nil {
			req.Pid = *layout.Port
		}
	}
	for _, attr := range runcOrder {
		if emitted[attr] {
			continue
		}
		always := layout == nil && (attr == libcontainer.CloneFlagsAttr || attr == libcontainer.RootlessEUIDAttr)
		if always || isSet(r, attr, d) {
			if err := add(attr); err != nil {
				return nil, err
			}
		}
	}
	out = req.Serialize()
	if len(out) > 1<<20 {
		return nil, fmt.Errorf("the message would be %d bytes, over the cap of 1 MiB", len(out))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Decoding. runc's Go side never decodes (nsexec.c does, in C); this is a
// strict decoder for tests and tools, offsets naming the bad byte.
// ---------------------------------------------------------------------------

// DecodeError is a malformed message, at a byte offset.
type DecodeError struct {
	Offset int
	Reason string
}

func (e *DecodeError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Reason) }

func errAt(off int, format string, args ...interface{}) error {
	return &DecodeError{off, fmt.Sprintf(format, args...)}
}

var native = nl.NativeEndian()

func canonical(s string, signed bool) bool {
	if signed && strings.HasPrefix(s, "-") && s != "-0" {
		s = s[1:]
	}
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func decodeMaps(text string, off int, what string) ([]*pb.IdMapping, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, errAt(off+len(text), "%s does not end with a newline", what)
	}
	var maps []*pb.IdMapping
	pos := off
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		f := strings.Split(line, " ")
		if len(f) != 3 {
			return nil, errAt(pos, "%s line is not '<container> <host> <size>'", what)
		}
		var v [3]uint64
		for i := range f {
			n, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil || !canonical(f[i], false) {
				return nil, errAt(pos, "%q is not a canonical u32", f[i])
			}
			v[i] = n
		}
		if v[2] == 0 || v[0]+v[2] > 1<<32 || v[1]+v[2] > 1<<32 {
			return nil, errAt(pos, "%s line %q is out of range", what, line)
		}
		maps = append(maps, &pb.IdMapping{ContainerId: uint32(v[0]), HostId: uint32(v[1]), Size: uint32(v[2])})
		pos += len(line) + 1
	}
	if len(maps) > 340 {
		return nil, errAt(off, "%s has %d lines (at most 340)", what, len(maps))
	}
	return maps, nil
}

func absPath(p string, off int, what string) ([]byte, error) {
	if !strings.HasPrefix(p, "/") || len(p) > 4095 {
		return nil, errAt(off, "%s is not an absolute path of at most 4095 bytes", what)
	}
	return []byte(p), nil
}

// DecodeNetlink decodes one whole message, netlink_layout included.
func DecodeNetlink(b []byte, d Dialect) (*pb.BootstrapRequest, error) {
	if d != Runc11 && d != Runc12 {
		return nil, fmt.Errorf("unknown dialect %q", d)
	}
	if len(b) < 16 {
		return nil, errAt(len(b), "truncated netlink header: %d of 16 bytes", len(b))
	}
	length := native.Uint32(b[0:4])
	if length < 16 || length > 1<<20 {
		return nil, errAt(0, "nlmsg_len %d is outside 16..1048576", length)
	}
	if t := native.Uint16(b[4:6]); t != libcontainer.InitMsg {
		return nil, errAt(4, "nlmsg_type %d is not runc's INIT_MSG 62000", t)
	}
	if len(b) < int(length) { // offset: where the missing bytes begin
		return nil, errAt(len(b), "truncated: %d of the %d bytes of nlmsg_len", len(b), length)
	}
	if len(b) > int(length) {
		return nil, errAt(int(length), "%d bytes after the message", len(b)-int(length))
	}
	flags, seq, port := uint32(native.Uint16(b[6:8])), native.Uint32(b[8:12]), native.Uint32(b[12:16])
	r := &pb.BootstrapRequest{NetlinkLayout: &pb.NetlinkLayout{Flags: &flags, Sequence: &seq, Port: &port}}
	seen := map[uint16]bool{}
	for pos := 16; pos < len(b); {
		if len(b)-pos < 4 {
			return nil, errAt(pos, "%d bytes left, too few for an attribute header", len(b)-pos)
		}
		nlaLen, attr := int(native.Uint16(b[pos:])), native.Uint16(b[pos+2:])
		if nlaLen < 4 {
			return nil, errAt(pos, "nla_len %d is shorter than the 4-byte attribute header", nlaLen)
		}
		end, padded := pos+nlaLen, pos+((nlaLen+3)&^3)
		if padded > len(b) {
			return nil, errAt(pos, "attribute of %d bytes (padded) runs past the end", padded-pos)
		}
		for i := end; i < padded; i++ {
			if b[i] != 0 {
				return nil, errAt(i, "nonzero attribute padding byte")
			}
		}
		if attr < libcontainer.CloneFlagsAttr || attr > libcontainer.MountSourcesAttr {
			return nil, errAt(pos, "unknown attribute type %d", attr)
		}
		if seen[attr] {
			return nil, errAt(pos, "attribute type %d appears twice", attr)
		}
		seen[attr] = true
		r.NetlinkLayout.AttributeOrder = append(r.NetlinkLayout.AttributeOrder, uint32(attr))
		if err := decodeAttr(r, attr, b[pos+4:end], pos+4, d); err != nil {
			return nil, err
		}
		pos = padded
	}
	return r, nil
}

func decodeAttr(r *pb.BootstrapRequest, attr uint16, p []byte, off int, d Dialect) error {
	switch attr {
	case libcontainer.CloneFlagsAttr, libcontainer.SetgroupAttr, libcontainer.RootlessEUIDAttr:
		if len(p) != 4 {
			return errAt(off-4, "fixed attribute %d has nla_len %d, not 8", attr, len(p)+4)
		}
		v := native.Uint32(p)
		if attr == libcontainer.CloneFlagsAttr {
			if v&^0x7E020080 != 0 {
				return errAt(off, "clone flags 0x%x are not all CLONE_NEW*", v)
			}
			for _, n := range namespaces {
				if v&n.flag != 0 {
					r.CreateNamespaces = append(r.CreateNamespaces, n.ns)
				}
			}
			return nil
		}
		if v > 1 {
			return errAt(off, "bool %d is neither 0 nor 1", v)
		}
		if attr == libcontainer.SetgroupAttr {
			r.Setgroups = pb.SetgroupsPolicy_SETGROUPS_DENY
			if v == 1 {
				r.Setgroups = pb.SetgroupsPolicy_SETGROUPS_ALLOW
			}
		} else {
			b := v == 1
			r.RootlessEuid = &b
		}
		return nil
	}
	if len(p) == 0 || p[len(p)-1] != 0 {
		return errAt(off-4, "text attribute %d has no terminating NUL", attr)
	}
	text := string(p[:len(p)-1])
	if attr == libcontainer.MountSourcesAttr && d == Runc11 {
		if !strings.HasSuffix(text, "\x00") {
			return errAt(off+len(text), "the last mount source has no NUL")
		}
		sources := strings.Split(strings.TrimSuffix(text, "\x00"), "\x00")
		if len(sources) > 1024 {
			return errAt(off, "more than 1024 mount sources")
		}
		for _, s := range sources {
			if s != "" {
				if _, err := absPath(s, off, "mount source"); err != nil {
					return err
				}
			}
			r.MountSources = append(r.MountSources, []byte(s))
		}
		return nil
	}
	if i := strings.IndexByte(text, 0); i >= 0 {
		return errAt(off+i, "NUL inside text attribute %d", attr)
	}
	var err error
	switch attr {
	case libcontainer.NsPathsAttr:
		pos := off
		seenNs := map[string]bool{}
		for _, entry := range strings.Split(text, ",") {
			i := strings.IndexByte(entry, ':')
			var ns pb.Namespace
			if i >= 0 {
				for _, n := range namespaces {
					if n.name == entry[:i] {
						ns = n.ns
					}
				}
			}
			if ns == pb.Namespace_NAMESPACE_UNSPECIFIED {
				return errAt(pos, "NS_PATHS entry %q is not <name>:<path> with a known name", entry)
			}
			if seenNs[entry[:i]] {
				return errAt(pos, "second NS_PATHS entry for %s", entry[:i])
			}
			seenNs[entry[:i]] = true
			path, err := absPath(entry[i+1:], pos+i+1, "namespace path")
			if err != nil {
				return err
			}
			r.JoinNamespaces = append(r.JoinNamespaces, &pb.NamespaceJoin{Type: ns, Target: &pb.NamespaceJoin_Path{Path: path}})
			pos += len(entry) + 1
		}
	case libcontainer.UidmapAttr:
		r.UidMappings, err = decodeMaps(text, off, "UIDMAP")
	case libcontainer.GidmapAttr:
		r.GidMappings, err = decodeMaps(text, off, "GIDMAP")
	case libcontainer.OomScoreAdjAttr:
		v, perr := strconv.Atoi(text)
		if perr != nil || !canonical(text, true) || v < -1000 || v > 1000 {
			return errAt(off, "OOM_SCORE_ADJ %q is not a canonical decimal in -1000..1000", text)
		}
		v32 := int32(v)
		r.OomScoreAdj = &v32
	case libcontainer.UidmapPathAttr:
		r.UidmapHelper, err = absPath(text, off, "UIDMAPPATH")
	case libcontainer.GidmapPathAttr:
		r.GidmapHelper, err = absPath(text, off, "GIDMAPPATH")
	default: // TIMENSOFFSET, runc 1.2+
		if !strings.HasSuffix(text, "\n") {
			return errAt(off+len(text), "TIMENSOFFSET does not end with a newline")
		}
		pos := off
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			f := strings.Split(line, " ")
			clocks := map[string]pb.TimeClock{"monotonic": pb.TimeClock_TIME_CLOCK_MONOTONIC, "boottime": pb.TimeClock_TIME_CLOCK_BOOTTIME}
			if len(f) != 3 || clocks[f[0]] == pb.TimeClock_TIME_CLOCK_UNSPECIFIED {
				return errAt(pos, "TIMENSOFFSET line is not '<monotonic|boottime> <secs> <nanosecs>'")
			}
			secs, e1 := strconv.ParseInt(f[1], 10, 64)
			nanos, e2 := strconv.ParseInt(f[2], 10, 64)
			if e1 != nil || e2 != nil || !canonical(f[1], true) || !canonical(f[2], false) || nanos >= 1e9 {
				return errAt(pos, "time offset %q out of range or not canonical", line)
			}
			for _, o := range r.TimeOffsets {
				if o.Clock == clocks[f[0]] {
					return errAt(pos, "second TIMENSOFFSET line for %s", f[0])
				}
			}
			r.TimeOffsets = append(r.TimeOffsets, &pb.TimeOffset{Clock: clocks[f[0]], Seconds: secs, Nanoseconds: nanos})
			pos += len(line) + 1
		}
	}
	return err
}
