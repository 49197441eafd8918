//go:build linux && !gccgo && !nsboot_runc12
// +build linux,!gccgo,!nsboot_runc12

package nsenter

// runc 1.1's dialect: this definition overrides libnsboot's weak default
// (12). The parent's NSBOOT_RUNC_DIALECT, when set, still wins.

/*
const int nsboot_runc_dialect = 11;
*/
import "C"
