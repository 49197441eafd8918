// Command nsboot-go-parent is an example parent for nsboot-embedded programs.
//
//	nsboot-go-parent run -mode=netlink|native [-dialect=runc-1.1|runc-1.2]
//	    [-request=FILE.textproto | -create=mnt,uts,pid,net -join=net:/proc/1/ns/net
//	     -oom-score-adj=N] -- PROGRAM [ARGS...]
//	nsboot-go-parent encode -to=netlink|proto [-dialect=...] FILE.textproto   (bytes to stdout)
//	nsboot-go-parent decode -format=netlink|proto [-dialect=...] FILE         (text to stdout)
//
// run spawns PROGRAM with an init pipe, sends the request, reads the
// replies and prints what happened; it exits 0 when the bootstrap succeeded
// and 1 (printing the structured error) when it failed.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/nsboot/nsboot/examples/parents/go/nsbootparent"
	pb "github.com/nsboot/nsboot/proto/nsboot/v1"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func loadTextproto(path string) (*pb.BootstrapRequest, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := &pb.BootstrapRequest{}
	if err := prototext.Unmarshal(text, r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func nsByName(name string) (pb.Namespace, error) {
	for v := range pb.Namespace_name {
		if ns := pb.Namespace(v); ns != 0 && nsbootparent.NamespaceName(ns) == name {
			return ns, nil
		}
	}
	return 0, fmt.Errorf("unknown namespace %q", name)
}

func run(args []string) (int, error) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	mode := fs.String("mode", "", "netlink or native")
	dialect := fs.String("dialect", "runc-1.1", "runc-1.1 or runc-1.2 (netlink)")
	requestFile := fs.String("request", "", "a BootstrapRequest in text format")
	create := fs.String("create", "", "namespaces to create, e.g. mnt,uts,pid,net")
	oom := fs.Int("oom-score-adj", 0, "oom_score_adj to set (0: leave it)")
	var joins list
	fs.Var(&joins, "join", "a namespace to join, NAME:PATH (repeatable)")
	fs.Parse(args)
	if fs.NArg() == 0 || (*mode != "netlink" && *mode != "native") {
		return 2, fmt.Errorf("usage: run -mode=netlink|native [request flags] -- PROGRAM [ARGS...]")
	}
	req := &pb.BootstrapRequest{}
	if *requestFile != "" {
		var err error
		if req, err = loadTextproto(*requestFile); err != nil {
			return 65, err
		}
	} else {
		for _, name := range strings.Split(*create, ",") {
			if name == "" {
				continue
			}
			ns, err := nsByName(name)
			if err != nil {
				return 2, err
			}
			req.CreateNamespaces = append(req.CreateNamespaces, ns)
		}
		for _, j := range joins {
			name, path, _ := strings.Cut(j, ":")
			ns, err := nsByName(name)
			if err != nil {
				return 2, err
			}
			req.JoinNamespaces = append(req.JoinNamespaces, &pb.NamespaceJoin{Type: ns, Target: &pb.NamespaceJoin_Path{Path: []byte(path)}})
		}
		if *oom != 0 {
			req.OomScoreAdj = proto.Int32(int32(*oom))
		}
		req.RootlessEuid = proto.Bool(false)
	}

	var result *nsbootparent.Result
	var err error
	if *mode == "native" {
		if req.Options == nil {
			req.Options = &pb.Options{}
		}
		req.Options.ReplyPidfds = true
		result, err = nsbootparent.RunNative(fs.Args(), req, nil)
		if result != nil {
			for _, r := range result.Replies {
				switch {
				case r.GetReady() != nil:
					fmt.Printf("reply: ready, schema versions %v\n", r.GetReady().SchemaVersions)
				case r.GetLog() != nil:
					fmt.Printf("reply: log %s\n", r.GetLog().Message)
				case r.GetPids() != nil:
					p := r.GetPids()
					fmt.Printf("reply: pids stage1=%d stage2=%d pidfds=%d\n", p.Stage1Pid, p.Stage2Pid, len(result.PidFDs))
					for _, ns := range p.Namespaces {
						fmt.Printf("  ns %s inode %d\n", ns.Type, ns.Inode)
					}
				}
			}
			for _, fd := range result.PidFDs {
				os.NewFile(uintptr(fd), "pidfd").Close()
			}
		}
	} else {
		var msg []byte
		if msg, err = nsbootparent.EncodeNetlink(req, nsbootparent.Dialect(*dialect)); err != nil {
			return 65, err
		}
		// logrus level 4 (info): nsexec's debug chatter stays out.
		result, err = nsbootparent.RunRunc(fs.Args(), msg, nsbootparent.Dialect(*dialect), []string{"_LIBCONTAINER_LOGLEVEL=4"})
		if result != nil {
			if result.Stage2Pid != 0 {
				fmt.Printf("reply: pids stage1=%d stage2=%d\n", result.Stage1Pid, result.Stage2Pid)
			}
			for _, l := range result.Logs {
				fmt.Printf("log: %s %s[%d]: %s\n", l.Level, l.Stage, l.Pid, l.Message)
			}
		}
	}
	if err != nil {
		return 1, err
	}
	nsbootparent.ReapStrays()
	for _, line := range strings.Split(strings.TrimSuffix(result.Stdout, "\n"), "\n") {
		if line != "" {
			fmt.Printf("main(): %s\n", line)
		}
	}
	fmt.Printf("exit: program %d, stages %v\n", result.ExitStatus, result.StageExitStatuses)
	if result.Err != nil {
		fmt.Printf("error: %v\n", result.Err)
		return 1, nil
	}
	fmt.Println("ok")
	if !result.OK() {
		return 1, nil
	}
	return 0, nil
}

func encode(args []string) (int, error) {
	fs := flag.NewFlagSet("encode", flag.ExitOnError)
	to := fs.String("to", "", "netlink or proto")
	dialect := fs.String("dialect", "runc-1.1", "runc-1.1 or runc-1.2")
	fs.Parse(args)
	if fs.NArg() != 1 || (*to != "netlink" && *to != "proto") {
		return 2, fmt.Errorf("usage: encode -to=netlink|proto [-dialect=D] FILE.textproto")
	}
	req, err := loadTextproto(fs.Arg(0))
	if err != nil {
		return 65, err
	}
	var out []byte
	if *to == "proto" {
		out, err = nsbootparent.EncodeRequestFrame(req)
	} else {
		out, err = nsbootparent.EncodeNetlink(req, nsbootparent.Dialect(*dialect))
	}
	if err != nil {
		return 65, err
	}
	_, err = os.Stdout.Write(out)
	return 0, err
}

func decode(args []string) (int, error) {
	fs := flag.NewFlagSet("decode", flag.ExitOnError)
	format := fs.String("format", "", "netlink or proto")
	dialect := fs.String("dialect", "runc-1.1", "runc-1.1 or runc-1.2")
	fs.Parse(args)
	if fs.NArg() != 1 || (*format != "netlink" && *format != "proto") {
		return 2, fmt.Errorf("usage: decode -format=netlink|proto [-dialect=D] FILE")
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return 66, err
	}
	var req *pb.BootstrapRequest
	if *format == "proto" {
		req, err = nsbootparent.DecodeRequestFrame(data)
	} else {
		req, err = nsbootparent.DecodeNetlink(data, nsbootparent.Dialect(*dialect))
	}
	if err != nil {
		return 65, err
	}
	fmt.Print(prototext.MarshalOptions{Multiline: true}.Format(req))
	return 0, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: nsboot-go-parent run|encode|decode ...")
		os.Exit(2)
	}
	cmds := map[string]func([]string) (int, error){"run": run, "encode": encode, "decode": decode}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "nsboot-go-parent: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	status, err := cmd(os.Args[2:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "nsboot-go-parent: %v\n", err)
	}
	os.Exit(status)
}
