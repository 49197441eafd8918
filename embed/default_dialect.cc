// The weak default of nsboot_runc_dialect, in a file of its own so that no
// translation unit that reads it can fold the default in at compile time.
#include "embed/include/nsboot/nsboot.h"

extern "C" __attribute__((weak)) const int nsboot_runc_dialect = 12;
