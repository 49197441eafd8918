"""The Python parent drives a real nsboot-embedded program (needs root)."""

import errno
import os
import re
import subprocess
import sys
import unittest

from nsbootparent import netlink, process

HOST = os.path.abspath("examples/parents/host")


def own_ns(name):
    return str(os.stat("/proc/self/ns/" + name).st_ino)


@unittest.skipUnless(os.geteuid() == 0, "needs root: namespaces")
class ParentTest(unittest.TestCase):
    def test_netlink_both_dialects(self):
        for dialect in netlink.DIALECTS:
            with self.subTest(dialect):
                req = netlink.Request(create_namespaces=["mnt", "uts", "pid",
                                                         "net"],
                                      oom_score_adj=7, rootless_euid=False)
                result = process.run_runc([HOST], req, dialect)
                self.assertIsNone(result.error, result)
                self.assertTrue(result.ok, result)
                self.assertEqual(result.stage_exit_statuses, [0, 0])
                report = result.report()
                self.assertEqual(report["hook"], "1")
                self.assertEqual(report["pid"], "1")  # new pid namespace
                self.assertNotEqual(report["ns.net"], own_ns("net"))
                self.assertEqual(report["ns.user"], own_ns("user"))

    def test_native_with_pidfds_and_user_namespace(self):
        from nsbootparent import frame
        pb = frame.pb
        req = pb.BootstrapRequest(schema_version=1)
        req.create_namespaces.extend([pb.NAMESPACE_USER, pb.NAMESPACE_PID,
                                      pb.NAMESPACE_NET])
        req.uid_mappings.add(container_id=0, host_id=100000, size=65536)
        req.gid_mappings.add(container_id=0, host_id=100000, size=65536)
        req.setgroups = pb.SETGROUPS_DENY
        req.options.reply_pidfds = True
        result = process.run_native([HOST], req)
        self.assertIsNone(result.error, result)
        self.assertTrue(result.ok, result)
        self.assertEqual(result.replies[0].WhichOneof("reply"), "ready")
        pids = result.replies[-1].pids
        self.assertTrue(pids.pidfds_attached)
        # Native without a time namespace: two processes, no stage 1.
        self.assertEqual(pids.stage1_pid, 0)
        self.assertEqual(len(result.pidfds), 1)
        self.assertEqual(result.stage_exit_statuses, [0])
        for fd in result.pidfds:
            os.close(fd)
        report = result.report()
        self.assertEqual(report["uid_map"], "0 100000 65536")
        net = [n.inode for n in pids.namespaces if n.type == pb.NAMESPACE_NET]
        self.assertEqual([str(i) for i in net], [report["ns.net"]])

    def test_native_executor_error_is_structured(self):
        from nsbootparent import frame
        pb = frame.pb
        req = pb.BootstrapRequest()
        req.join_namespaces.add(type=pb.NAMESPACE_NET,
                                path=b"/nonexistent/ns/net")
        result = process.run_native([HOST], req)
        self.assertFalse(result.ok)
        e = result.error
        self.assertIsInstance(e, pb.Error)
        # Two processes: stage 0 joins, so the failure is its own.
        self.assertEqual(e.stage, pb.STAGE_PARENT)
        self.assertEqual(e.step, pb.STEP_OPEN_NAMESPACE)
        self.assertEqual(e.errno_value, errno.ENOENT)
        self.assertEqual(e.code, 5)  # NOT_FOUND
        self.assertIn(b"/nonexistent/ns/net", e.message)
        self.assertEqual(result.stdout, "")  # main() never ran
        self.assertEqual(result.exit_status, 1)
        self.assertIn("STEP_OPEN_NAMESPACE", process.describe_error(e))
        process.reap_strays()

    def test_netlink_executor_error_is_structured(self):
        req = netlink.Request(join_namespaces=[("net", b"/nonexistent/ns/net")],
                              rootless_euid=False)
        result = process.run_runc([HOST], req, "runc-1.1")
        self.assertFalse(result.ok)
        self.assertEqual(result.error.level, "fatal")
        # nsboot joins in stage 0 (two processes; runc's nsexec: stage 1).
        self.assertEqual(result.error.stage, "PARENT")
        self.assertIn("/nonexistent/ns/net: No such file or directory",
                      result.error.message)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.exit_status, 1)
        process.reap_strays()

    def test_netlink_mode_needs_only_the_standard_library(self):
        code = (
            "import sys\n"
            "sys.modules['google'] = None  # no protobuf\n"
            "from nsbootparent import __main__ as m\n"
            "status = m.main(['run', '--mode=netlink', '--create=uts,pid',\n"
            "                 sys.argv[1]])\n"
            "assert not any(k.startswith('google') and sys.modules[k]\n"
            "               for k in sys.modules), 'protobuf was imported'\n"
            "sys.exit(status)\n")
        out = subprocess.run([sys.executable, "-c", code, HOST],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("main(): pid=1", out.stdout)
        self.assertTrue(out.stdout.endswith("ok\n"), out.stdout)

    def test_cli_prints_the_error(self):
        out = subprocess.run(
            [sys.executable, "-m", "nsbootparent", "run", "--mode=native",
             "--join=net:/nonexistent/ns/net", HOST],
            capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("error: stage PARENT, step STEP_OPEN_NAMESPACE, errno 2, "
                      "code 5: open net namespace /nonexistent/ns/net: No such "
                      "file or directory", out.stdout)

    def test_readme_blocks_run(self):
        with open("examples/parents/python/README.md") as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
        self.assertEqual(len(blocks), 2)
        for block in blocks:
            with self.subTest(block.splitlines()[0]):
                out = subprocess.run(
                    [sys.executable, "-c", block.replace('"./host"',
                                                         repr(HOST))],
                    capture_output=True, text=True)
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                self.assertIn("pid=1", out.stdout)
                self.assertIn("hook=1", out.stdout)


if __name__ == "__main__":
    unittest.main()
