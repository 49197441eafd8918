//go:build linux && !gccgo
// +build linux,!gccgo

package nsenter

/*
#cgo CFLAGS: -Wall -Wextra -Werror -I${SRCDIR}/include
#include "nsboot/nsboot.h"

// Runs before the Go runtime, as runc's nsexec() constructor did. Priority
// 200, like nsboot's C++ constructor (embed/constructor.cc): after the
// runtime libraries' initializers (protobuf registers its descriptors at
// 101/102), before default-priority constructors. glibc passes main()'s
// arguments to the constructors of the executable.
__attribute__((constructor(200))) static void nsboot_go_premain(
    int argc, char** argv, char** envp) {
  nsboot_premain(argc, argv, envp);
}

// A second call returns the first call's result and does nothing.
static int nsboot_go_result(void) { return nsboot_premain(0, 0, 0); }
*/
import "C"

// Bootstrapped reports whether this process is the final process of an
// nsboot bootstrap (that is, it runs inside the namespaces its parent asked
// for). It is false in an ordinary run without an init pipe.
func Bootstrapped() bool {
	return C.nsboot_go_result() == C.NSBOOT_FINAL
}

// Version is nsboot's version string.
func Version() string {
	return C.GoString(C.nsboot_version())
}
