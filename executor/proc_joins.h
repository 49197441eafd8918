// Joins by /proc/PID/ns/NAME paths of one process (the only form runc's
// netlink message can carry; runc exec sends six) turned into a join by that
// pid: one pidfd_open and one setns(pidfd, mask) instead of an open, a setns
// and a close per namespace (~0.1 ms per runc exec on the benchmark machine).
//
// Only where it means the same thing: every join target is a path
// "/proc/N/ns/NAME" with the same N (decimal, no leading zero) and NAME the
// file of the target's type, there are at least two, and "/proc" is the
// procfs of the caller's own pid namespace (statfs says procfs, and the
// caller's NSpid there has one entry), so that N names the same
// process for pidfd_open as in the paths. Like the paths, a pid names
// whatever process has it when stage 0 opens it; the namespaces are then
// taken in one step instead of one open each. The error for a process that
// is gone reads "open net,uts namespaces of pid N: No such process" instead
// of "open net namespace /proc/N/ns/net: No such file or directory".
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

// Whether "/proc" is the procfs of the caller's pid namespace.
bool ProcIsOwnPidNamespace();

// Rewrites the path targets of `request` into pid targets when
// CommonProcPid and ProcIsOwnPidNamespace allow it. Returns whether it did.
bool JoinProcPathsByPid(v1::plain::BootstrapRequest* request);

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_PROC_JOINS_H_
