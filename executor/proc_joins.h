// Joins by /proc/PID/ns/NAME paths of one process (the only form runc's
// netlink message can carry; runc exec sends six) turned into a join by that
// pid: one pidfd_open and one setns(pidfd, mask) instead of an open, a setns
// and a close per namespace (~0.1 ms per runc exec on the benchmark machine).
//
// Only where it means the same thing: every join target is a path
// "/proc/N/ns/NAME" with the same N (decimal, no leading zero) and NAME the
// file of the target's type, there are at least two, and "/proc/N" is the
// process pidfd_open(N) gives (statfs says /proc is procfs, and either the
// caller is in the initial pid namespace, which only its own /proc can show,
// or the pidfd's fdinfo read through /proc shows pid N: a /proc of another
// pid namespace numbers processes differently). Like the paths, a pid names
// whatever process has it when stage 0 opens it; the namespaces are then
// taken in one step instead of one open each. A process that is already
// gone keeps its paths (and the error names the first).
#ifndef NSBOOT_EXECUTOR_PROC_JOINS_H_
#define NSBOOT_EXECUTOR_PROC_JOINS_H_

#include <stdint.h>

#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {

// The N all join targets of `request` share, if they are all paths
// "/proc/N/ns/NAME" naming their type's file and there are at least two;
// 0 otherwise. Pure.
int32_t CommonProcPid(const v1::plain::BootstrapRequest& request);

// Whether "/proc/`pid`" is the process pidfd_open(`pid`) refers to.
bool ProcNamesSameProcess(int32_t pid);

// Rewrites the path targets of `request` into pid targets when
// CommonProcPid and ProcNamesSameProcess allow it. Returns whether it did.
bool JoinProcPathsByPid(v1::plain::BootstrapRequest* request);

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_PROC_JOINS_H_
