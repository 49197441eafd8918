// CVE-2019-5736 protection: run from a sealed, read-only copy of our own
// binary, so that no process in a container can reach the host binary
// through /proc/PID/exe and overwrite it.
//
// runc 1.1's Go parent relies on nsexec for this; nsboot's pre-main hook
// does it in the runc 1.1 dialect (and when a native request asks for it)
// before it reads the init pipe. The embedder picks the first method
// (nsboot_seal_method); kMemfd is the fallback of the others:
//
//  1. kOverlayfs (zero copy; needs CAP_SYS_ADMIN and Linux 5.2+ fsopen):
//     a private, detached, read-only overlayfs (fsopen/fsconfig/fsmount, as
//     runc 1.2 does) whose top layer is the binary's directory. The mount is
//     never attached to any mount namespace, so there is no mount storm (the
//     problem runc 1.1's bind-mount method had, runc#3925) and nothing to
//     clean up. /proc/self/exe then resolves on a read-only superblock:
//     opening it for writing fails with EROFS.
//     The cost: a superblock created and torn down per bootstrap, 0 to
//     0.09 ms per runc 1.1 bootstrap more than kBindClone (docs/BENCHMARKS.md).
//  1'. kBindClone (zero copy; needs CAP_SYS_ADMIN and Linux 5.12+
//     mount_setattr): a detached read-only bind mount of the binary itself
//     (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_RDONLY)), never
//     attached anywhere, so no mount storm either. runc 1.1's protection
//     (a read-only bind mount) at ~no cost, but weaker than kOverlayfs: the
//     executable is the host binary's own inode on a read-only mount, which
//     a process with CAP_SYS_ADMIN over the host's mounts could make
//     writable; a lower-only overlayfs cannot be written at all.
//  2. kMemfd (copies the binary; works unprivileged): a memfd with
//     F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE. Costs a copy of the
//     binary in memory while the process lives (runc#1980).
//
// Then the process runs from the copy: SealInPlace adopts it without exec
// when privileged (below); otherwise ReexecSealed re-executes the program
// (execveat AT_EMPTY_PATH) with the same argv and environment, and the
// re-executed process sees RunningFromSealedExe() and goes on.
//
// Everything here is pre-main safe: no heap allocation, no locks, no
// threads; errors are negative errno values.
#ifndef NSBOOT_EMBED_SEALED_EXE_H_
#define NSBOOT_EMBED_SEALED_EXE_H_

namespace nsboot {
namespace embed {

enum class SealMethod {
  kNone = 0,       // not sealed
  kOverlayfs = 1,  // read-only detached overlayfs
  kMemfd = 2,      // sealed memfd copy
  kReadOnly = 3,   // already on a read-only mount (e.g. a ro bind mount)
  kBindClone = 4,  // read-only detached bind mount of the binary (creating
                   // one; a process running from it sees kReadOnly)
};

const char* SealMethodName(SealMethod method);

// How the running binary (/proc/self/exe) is protected: kMemfd if it is a
// memfd with all four seals, kOverlayfs if it sits on a read-only overlayfs,
// kReadOnly on any other read-only mount, kNone otherwise (or on error).
SealMethod RunningFromSealedExe();

// Re-executes the current program from a sealed copy, with `argv` and
// `envp`. Tries `first` (kOverlayfs, kBindClone or kMemfd), then kMemfd.
// Returns only on failure, with a negative errno; `*tried` tells the last
// method attempted.
int ReexecSealed(char* const argv[], char* const envp[], SealMethod first,
                 SealMethod* tried);

// Makes a sealed copy of the running binary, made with `method`
// (kOverlayfs, kBindClone or kMemfd), the process's executable without
// re-executing: every mapping of the binary is replaced by the same bytes
// (read-only ones mapped from the copy, the ones the process may have
// written as anonymous copies), then /proc/self/exe is pointed at the copy
// (prctl PR_SET_MM_MAP with exe_fd; the kernel refuses while the old file is
// still mapped). Afterwards nothing in the process refers to the host
// binary, as after a re-execution, at a fraction of its cost.
// Needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the caller's user
// namespace; must run single-threaded (before main(), or in a process that
// started no threads). Returns 0 or a negative errno: -EPERM without the
// privilege, -ESTALE if the copy is not of the running binary (the file on
// disk was replaced), -ENOEXEC if the running program is not /proc/self/exe
// (started as "ld.so ./prog"), -ENOTSUP for a binary it cannot handle (text
// relocations, no PT_PHDR). On any failure the process runs as before.
//
// On success `*mount_fd` is the copy's detached mount (-1 for a memfd).
// Closing it dissolves the mount's anonymous namespace, which waits for an
// RCU grace period (~50-70 us on the benchmark VM): a caller on a
// latency-critical path closes it late (at exit, say). The mount lives on
// as long as the process runs from it.
int SealInPlace(SealMethod method, int* mount_fd);

// SealInPlace with an already open, readable copy.
int AdoptSealedCopy(int sealed_fd, SealMethod method);

// Opens a sealed copy of /proc/self/exe with the given method and returns
// its fd (O_CLOEXEC; readable, but O_PATH-like for kBindClone), or a
// negative errno. Exposed
// for tests and benchmarks; ReexecSealed is the production entry point.
int OpenSealedCopy(SealMethod method);

}  // namespace embed
}  // namespace nsboot

#endif  // NSBOOT_EMBED_SEALED_EXE_H_
