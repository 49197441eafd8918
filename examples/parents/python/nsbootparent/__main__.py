"""python3 -m nsbootparent: an example parent for nsboot-embedded programs.

  run --mode=netlink|native [--dialect=runc-1.1|runc-1.2] [REQUEST] -- PROGRAM [ARGS...]
      REQUEST: --request=FILE.textproto (needs python3-protobuf), or flags:
      --create=mnt,uts,pid,net --join=net:/proc/1/ns/net
      --uid-map=0:100000:65536 --gid-map=... --oom-score-adj=N
      Spawns PROGRAM with an init pipe, sends the request, reads the replies
      and prints what happened; exit 0 when the bootstrap succeeded.
  encode --to=netlink|proto [--dialect=...] FILE.textproto    bytes to stdout
  decode --format=netlink|proto [--dialect=...] FILE          text to stdout
"""

import argparse
import os
import sys

from . import netlink, process


def _flags_request(args):
    req = netlink.Request(rootless_euid=False)
    if args.create:
        req.create_namespaces = args.create.split(",")
    for j in args.join:
        name, _, path = j.partition(":")
        req.join_namespaces.append((name, path.encode()))
    for field, values in (("uid_mappings", args.uid_map),
                          ("gid_mappings", args.gid_map)):
        setattr(req, field, [tuple(int(x) for x in v.split(":"))
                             for v in values])
    if args.uid_map or args.gid_map:
        req.setgroups = False  # write "deny": no helper needed
    req.oom_score_adj = args.oom_score_adj
    return req


def _load_textproto(path):
    from google.protobuf import text_format
    from . import frame
    with open(path) as f:
        return text_format.Parse(f.read(), frame.pb.BootstrapRequest())


def cmd_run(args):
    if args.request:
        pb_request = _load_textproto(args.request)
    else:
        pb_request = None
        request = _flags_request(args)
    if args.mode == "native":
        from . import frame
        if pb_request is None:
            pb_request = frame.from_netlink(request)
        pb_request.options.reply_pidfds = True
        result = process.run_native(args.program, pb_request)
        for r in result.replies:
            kind = r.WhichOneof("reply")
            if kind == "ready":
                print("reply: ready, schema versions %s" %
                      list(r.ready.schema_versions))
            elif kind == "log":
                print("reply: log %s" % r.log.message.decode(errors="replace"))
            elif kind == "pids":
                print("reply: pids stage1=%d stage2=%d pidfds=%d" % (
                    r.pids.stage1_pid, r.pids.stage2_pid, len(result.pidfds)))
                for fd in result.pidfds:  # pidfds of the stages (1 and 2, or 2)
                    os.close(fd)
                for ns in r.pids.namespaces:
                    print("  ns %s inode %d" % (
                        frame.pb.Namespace.Name(ns.type), ns.inode))
    else:
        if pb_request is not None:
            from . import frame
            request = frame.to_netlink(pb_request)
        result = process.run_runc(args.program, request, args.dialect,
                                  log_level=4)
        if result.stage2_pid:
            print("reply: pids stage1=%d stage2=%d" % (result.stage1_pid,
                                                       result.stage2_pid))
        for log in result.logs:
            print("log: %s %s[%d]: %s" % (log.level, log.stage, log.pid,
                                         log.message))
    process.reap_strays()
    for line in result.stdout.splitlines():
        print("main(): " + line)
    print("exit: program %s, stages %s" % (result.exit_status,
                                          result.stage_exit_statuses))
    if result.error is not None:
        print("error: " + process.describe_error(result.error))
        return 1
    print("ok")
    return 0 if result.ok else 1


def cmd_encode(args):
    from . import frame
    request = _load_textproto(args.file)
    if args.to == "proto":
        data = frame.encode_request(request)
    else:
        data = netlink.encode(frame.to_netlink(request), args.dialect)
    sys.stdout.buffer.write(data)
    return 0


def cmd_decode(args):
    from . import frame
    with open(args.file, "rb") as f:
        data = f.read()
    if args.format == "proto":
        request = frame.decode_request(data)
    else:
        request = frame.from_netlink(netlink.decode(data, args.dialect))
    sys.stdout.write(str(request))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="nsbootparent", description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--mode", choices=("netlink", "native"), required=True)
    run.add_argument("--dialect", choices=netlink.DIALECTS, default="runc-1.1")
    run.add_argument("--request")
    run.add_argument("--create", default="")
    run.add_argument("--join", action="append", default=[])
    run.add_argument("--uid-map", action="append", default=[])
    run.add_argument("--gid-map", action="append", default=[])
    run.add_argument("--oom-score-adj", type=int)
    run.add_argument("program", nargs="+")
    enc = sub.add_parser("encode")
    enc.add_argument("--to", choices=("netlink", "proto"), required=True)
    enc.add_argument("--dialect", choices=netlink.DIALECTS, default="runc-1.1")
    enc.add_argument("file")
    dec = sub.add_parser("decode")
    dec.add_argument("--format", choices=("netlink", "proto"), required=True)
    dec.add_argument("--dialect", choices=netlink.DIALECTS, default="runc-1.1")
    dec.add_argument("file")
    args = p.parse_args(argv)
    try:
        return {"run": cmd_run, "encode": cmd_encode,
                "decode": cmd_decode}[args.command](args)
    except (ValueError, OSError) as e:
        print("nsbootparent: %s" % e, file=sys.stderr)
        return 65 if isinstance(e, ValueError) else 74


if __name__ == "__main__":
    sys.exit(main())
