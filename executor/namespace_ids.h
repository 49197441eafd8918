// The namespaces a process is in, as the native Pids reply names them: the
// nsfs device and inode of each of the eight types.
//
// Read through the process's pidfd (PIDFD_GET_<TYPE>_NAMESPACE, Linux 6.11
// and later: an ioctl, an fstat and a close per type) where the kernel has
// those ioctls, else from the links in /proc/<pid>/ns. On the benchmark
// machine the pidfd takes ~35 us for the eight types against ~45 us through
// /proc (fresh /proc dentries for a fresh process), and a native round trip
// 17-23 us less (docs/BENCHMARKS.md).
#ifndef NSBOOT_EXECUTOR_NAMESPACE_IDS_H_
#define NSBOOT_EXECUTOR_NAMESPACE_IDS_H_

#include <sys/types.h>

#include <vector>

#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {

enum class NamespaceIdSource {
  kPidfd,  // the pidfd's ioctls; /proc for what they cannot give
  kProc,   // /proc/<pid>/ns only
};

// What ReadNamespaceIds did.
struct NamespaceIdsRead {
  int from_pidfd = 0;  // types read through the pidfd
  int from_proc = 0;   // types read from /proc/<pid>/ns
};

// Appends to `ids`, in Namespace order, the id of every namespace type of
// process `pid` that can be read; a type that cannot be (not configured in
// the kernel, the process gone, no permission) is left out. Best effort: it
// never fails.
//
// `pidfd`: a pidfd of `pid`, or -1 for /proc only. If the first ioctl fails
// with ENOTTY or EINVAL (a kernel without these ioctls, or not a pidfd),
// every type comes from /proc; any other failure sends that type to /proc.
// `proc_fd`: a directory fd of the /proc to read "<pid>/ns" from (the
// caller's, opened before it joined another mount namespace), or -1 for
// "/proc". Allocates (the vector).
NamespaceIdsRead ReadNamespaceIds(pid_t pid, int pidfd, int proc_fd,
                                  NamespaceIdSource source,
                                  std::vector<v1::plain::NamespaceId>* ids);

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_NAMESPACE_IDS_H_
