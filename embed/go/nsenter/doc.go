// Package nsenter is nsboot's drop-in for runc's libcontainer/nsenter.
//
// Importing it (runc does so with a blank import in init.go) links nsboot's
// C++ pre-main hook into the program and registers a C constructor that calls
// nsboot_premain() before the Go runtime starts, exactly where runc's nsexec()
// constructor ran. When the process was started by runc with
// _LIBCONTAINER_INITPIPE (or by an nsboot parent with NSBOOT_INITPIPE), the
// hook reads the bootstrap data, joins and creates the namespaces, writes the
// id maps, replies to the parent, and returns into the Go runtime in the final
// process, inside the namespaces. Without an init pipe it does nothing.
//
// The package is not usable straight from nsboot's source tree: its link
// flags live in a generated file. embed/go/install.sh copies the package,
// libnsboot.a (under a content-addressed name) and the C header into a
// package directory of your GOPATH or module and writes zz_nsboot_link.go.
// See docs/EMBEDDING.md.
//
// The runc dialect is 1.1 (runc 1.0.0-rc94 .. 1.1.x: the "\0" handshake,
// mount sources, the seal). Build with -tags nsboot_runc12 for
// runc 1.2 and later. The parent's NSBOOT_RUNC_DIALECT environment variable,
// when set, takes precedence over either.
//
// The seal (CVE-2019-5736) is a read-only overlayfs copy of the binary by
// default, adopted in place; -tags nsboot_seal_bind uses a read-only
// detached bind clone of the binary instead (cheaper, weaker), and
// -tags nsboot_seal_reexec re-executes from the copy as runc's nsexec does
// (docs/EMBEDDING.md, "The seal").
package nsenter
