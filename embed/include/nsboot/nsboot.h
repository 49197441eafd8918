/*
 * nsboot: namespace bootstrap before main(). C ABI for C, C++ and Go (cgo).
 *
 * Link the hook into a program and, when its parent hands it an init pipe,
 * the program's main() runs inside the namespaces the parent asked for:
 *
 *   - runc's contract: _LIBCONTAINER_INITPIPE=<fd> (with _LIBCONTAINER_LOGPIPE
 *     and _LIBCONTAINER_LOGLEVEL); the parent writes runc's netlink bootstrap
 *     message and reads runc's replies. A drop-in for runc's
 *     libcontainer/nsenter.
 *   - nsboot's contract: NSBOOT_INITPIPE=<fd>; the parent writes an nsboot
 *     frame (docs/PROTOCOL.md) and reads BootstrapReply frames.
 *
 * With neither variable set the hook returns at once and does nothing.
 *
 * Two ways in:
 *   - link the `nsboot_premain` archive whole (Bazel: //embed:premain,
 *     alwayslink): a constructor runs nsboot_premain() before main() and
 *     before the host's own C++ static initializers;
 *   - or call nsboot_premain(argc, argv, envp) first thing in main().
 *
 * On any failure the process reports the error to its parent (runc: a FATAL
 * log line; native: an Error frame) and exits with status 1: it never falls
 * through into main() outside the namespaces it was asked for.
 *
 * docs/EMBEDDING.md has the link lines.
 */
#ifndef NSBOOT_NSBOOT_H_
#define NSBOOT_NSBOOT_H_

#ifdef __cplusplus
extern "C" {
#endif

/* nsboot_premain's results. */
#define NSBOOT_INERT 0 /* no init pipe in the environment: nothing done */
#define NSBOOT_FINAL 1 /* this is the final process, inside the namespaces */

/*
 * Runs the bootstrap if the environment names an init pipe. Returns
 * NSBOOT_INERT or NSBOOT_FINAL; in the intermediate stage processes it does
 * not return (they exit). argv and envp are those of main(); they are needed
 * to re-execute from a sealed copy of the binary (CVE-2019-5736) and may be
 * NULL, in which case /proc/self/cmdline and environ are used. Calling it a
 * second time returns the first call's result and does nothing.
 */
int nsboot_premain(int argc, char** argv, char** envp);

/*
 * The runc dialect this host speaks when it gets runc's netlink message: 11
 * for runc 1.0.0-rc94 .. 1.1.x, 12 for runc 1.2 and later. The library
 * defines it weakly as 12; a host serving runc 1.1 defines it:
 *
 *   const int nsboot_runc_dialect = 11;
 *
 * The environment variable NSBOOT_RUNC_DIALECT (11 or 12), when set by the
 * parent, takes precedence.
 */
extern const int nsboot_runc_dialect;

/*
 * How the hook seals the binary (CVE-2019-5736; the runc 1.1 dialect, or
 * NSBOOT_SEAL_EXE=1): it makes a read-only copy and runs from it, so that no
 * process in a container can reach the host binary through /proc/PID/exe.
 * The library defines it weakly as NSBOOT_SEAL_OVERLAYFS; a host may define
 * another. Either way an unprivileged process (no CAP_SYS_ADMIN) falls back
 * to NSBOOT_SEAL_MEMFD.
 *
 *   NSBOOT_SEAL_OVERLAYFS  a detached read-only overlayfs with no upper
 *                          layer: cannot be written by anyone. A superblock
 *                          is created and torn down per bootstrap (up to
 *                          ~0.1 ms more than NSBOOT_SEAL_BIND,
 *                          docs/BENCHMARKS.md).
 *   NSBOOT_SEAL_BIND       a detached read-only bind mount of the binary
 *                          itself (open_tree + mount_setattr): runc 1.1's
 *                          protection without its temporary file and mount
 *                          churn, at almost no cost. Weaker: the host binary's
 *                          inode on a read-only mount, which a process with
 *                          CAP_SYS_ADMIN over the host's mounts could make
 *                          writable again.
 *   NSBOOT_SEAL_MEMFD      a sealed memfd copy: costs a copy of the binary.
 *
 *   const int nsboot_seal_method = NSBOOT_SEAL_BIND;
 */
#define NSBOOT_SEAL_OVERLAYFS 1
#define NSBOOT_SEAL_BIND 2
#define NSBOOT_SEAL_MEMFD 3
extern const int nsboot_seal_method;

/*
 * How the process comes to run from the copy. 1 (the library's weak
 * default): in place when it can, without exec: the binary's mappings are
 * replaced by the same bytes from the copy (or anonymous copies of the
 * pages the process has written), then /proc/self/exe is pointed at the
 * copy (prctl PR_SET_MM_MAP; needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE,
 * which root has; the kernel refuses while anything still maps the host
 * binary). Otherwise, and always with 0, the process re-executes itself
 * from the copy, as runc 1.1's nsexec does (~0.45 ms more per bootstrap
 * for an empty C host).
 *
 *   const int nsboot_seal_in_place = 0;
 */
extern const int nsboot_seal_in_place;

/* "nsboot <version>; schema versions 1, 2". */
const char* nsboot_version(void);

#ifdef __cplusplus
}
#endif

#endif /* NSBOOT_NSBOOT_H_ */
