"""libnsboot.a at work: a C program linked against the archive alone runs
real bootstraps driven by the Python example parent (needs root), and its
main() starts with a heap the hook never touched."""

import os
import subprocess
import sys
import unittest

from nsbootparent import process

HOST = None


def own_ns(name):
    return str(os.stat(f"/proc/self/ns/{name}").st_ino)


class BundleTest(unittest.TestCase):
    def run_host(self, req):
        result = process.run_native([HOST], req)
        self.assertIsNone(result.error, result)
        self.assertTrue(result.ok, result)
        return result.report()

    def test_inert(self):
        out = subprocess.run([HOST], check=True, capture_output=True,
                             text=True, env={}).stdout
        self.assertIn("heap=0\n", out)
        self.assertIn("hook=0\n", out)

    def test_create_with_user_namespace(self):
        from nsbootparent import frame
        pb = frame.pb
        req = pb.BootstrapRequest(schema_version=2)
        req.options.skip_namespace_ids = True
        req.create_namespaces.extend([pb.NAMESPACE_USER, pb.NAMESPACE_PID,
                                      pb.NAMESPACE_NET, pb.NAMESPACE_UTS])
        req.uid_mappings.add(container_id=0, host_id=100000, size=65536)
        req.gid_mappings.add(container_id=0, host_id=100000, size=65536)
        report = self.run_host(req)
        self.assertEqual(report["hook"], "1")
        self.assertEqual(report["heap"], "0")
        self.assertEqual(report["uid"], "0")
        self.assertEqual(report["uid_map"], "0 100000 65536")
        for ns in ("user", "pid", "net", "uts"):
            self.assertNotEqual(report[f"ns.{ns}"], own_ns(ns), ns)
        self.assertEqual(report["ns.ipc"], own_ns("ipc"))

    def test_join_by_pid(self):
        from nsbootparent import frame
        pb = frame.pb
        target = subprocess.Popen(["unshare", "--net", "--uts", "sleep",
                                   "60"])
        try:
            # unshare has switched once /proc/PID/ns/net differs from ours.
            for _ in range(500):
                if os.readlink(f"/proc/{target.pid}/ns/net") != \
                        os.readlink("/proc/self/ns/net"):
                    break
                os.sched_yield()
            req = pb.BootstrapRequest(schema_version=1)
            for t in (pb.NAMESPACE_NET, pb.NAMESPACE_UTS):
                req.join_namespaces.add(type=t, pid=target.pid)
            report = self.run_host(req)
            self.assertEqual(report["heap"], "0")
            for ns in ("net", "uts"):
                want = str(os.stat(f"/proc/{target.pid}/ns/{ns}").st_ino)
                self.assertEqual(report[f"ns.{ns}"], want, ns)
        finally:
            target.kill()
            target.wait()

    def test_many_id_mappings(self):
        # 200 uid and 200 gid lines (the kernel takes a map of less than a
        # page in one write): a request the hook allocates much more for.
        from nsbootparent import frame
        pb = frame.pb
        req = pb.BootstrapRequest(schema_version=1)
        req.create_namespaces.extend([pb.NAMESPACE_USER])
        for maps in (req.uid_mappings, req.gid_mappings):
            for i in range(200):
                maps.add(container_id=i, host_id=100000 + i, size=1)
        report = self.run_host(req)
        self.assertEqual(report["heap"], "0")
        self.assertEqual(report["uid_map"], "0 100000 1")

    def test_error_reaches_the_parent(self):
        from nsbootparent import frame
        pb = frame.pb
        req = pb.BootstrapRequest(schema_version=1)
        req.join_namespaces.add(type=pb.NAMESPACE_NET, path=b"/nonexistent")
        result = process.run_native([HOST], req)
        self.assertFalse(result.ok)
        self.assertIsNotNone(result.error)
        self.assertIn(b"/nonexistent", result.error.message)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root (namespaces, id maps)")
        sys.exit(0)
    HOST = sys.argv.pop(1)
    unittest.main()
