// Runs nsboot_premain before main(). Linked whole (alwayslink) into hosts
// that want the hook without touching main().
//
// Priority 200: after the runtime libraries' own initializers (libstdc++,
// protobuf's descriptor registration at 101/102, which our decoder needs)
// and before the host's default-priority static constructors, so that the
// host's globals are built inside the namespaces, in the final process, as
// runc's Go runtime starts only after nsexec has returned.
#include "embed/include/nsboot/nsboot.h"

// Foreign links pull this object out of libnsboot.a with
// -Wl,--undefined=nsboot_constructor_anchor (docs/EMBEDDING.md): a plain
// archive link then takes only what the hook needs, which --whole-archive
// would not (it would also link the archive's protobuf-based objects and
// their start-up cost).
extern "C" {
extern const int nsboot_constructor_anchor;
const int nsboot_constructor_anchor = 1;
}

namespace {

__attribute__((constructor(200))) void NsbootConstructor(int argc,
                                                         char** argv,
                                                         char** envp) {
  // glibc passes main()'s arguments to ELF constructors.
  nsboot_premain(argc, argv, envp);
}

}  // namespace
