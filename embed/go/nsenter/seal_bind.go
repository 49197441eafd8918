//go:build linux && !gccgo && nsboot_seal_bind
// +build linux,!gccgo,nsboot_seal_bind

package nsenter

// With -tags nsboot_seal_bind, the runc 1.1 dialect's re-execution runs from
// a read-only detached bind clone of the binary instead of the default
// overlayfs: runc 1.1.5's own protection at almost no cost, but weaker
// (docs/EMBEDDING.md, "The seal"). This definition overrides libnsboot's
// weak default.

/*
#include "nsboot/nsboot.h"
const int nsboot_seal_method = NSBOOT_SEAL_BIND;
*/
import "C"
