// The weak defaults of nsboot_runc_dialect, nsboot_seal_method and
// nsboot_seal_in_place, in a file of their own so that no translation unit
// that reads them can fold the default in at compile time.
#include "embed/include/nsboot/nsboot.h"

extern "C" __attribute__((weak)) const int nsboot_runc_dialect = 12;
extern "C" __attribute__((weak)) const int nsboot_seal_method =
    NSBOOT_SEAL_OVERLAYFS;
extern "C" __attribute__((weak)) const int nsboot_seal_in_place = 1;
