/* Links into the nsboot host a choice of the cheaper seal for the runc 1.1
 * dialect's re-execution: a read-only bind clone of the binary instead of
 * the default overlayfs (embed/include/nsboot/nsboot.h says what each
 * costs and protects). */
#include "nsboot/nsboot.h"

const int nsboot_seal_method = NSBOOT_SEAL_BIND;
