"""nsbootparent: drive an nsboot-embedded program from Python.

  netlink  runc's bootstrap message, encode/decode (standard library only)
  frame    nsboot's framed protobuf (python3-protobuf + generated bootstrap_pb2)
  process  spawn a program with an init pipe and play its parent
           (run_runc: standard library; run_native: protobuf)

See examples/parents/python/README.md.
"""
