//go:build linux && !gccgo && nsboot_seal_reexec
// +build linux,!gccgo,nsboot_seal_reexec

package nsenter

// With -tags nsboot_seal_reexec, the runc 1.1 dialect re-executes the binary
// from its sealed copy, as runc's nsexec does, instead of adopting the copy
// in place (~0.45 ms more per bootstrap; docs/EMBEDDING.md, "The seal").
// This definition overrides libnsboot's weak default.

/*
#include "nsboot/nsboot.h"
const int nsboot_seal_in_place = 0;
*/
import "C"
