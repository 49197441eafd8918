/* Links into the nsboot host the re-execution for the runc 1.1 dialect's
 * seal, instead of adopting the sealed copy in place (embed/include/nsboot/
 * nsboot.h, nsboot_seal_in_place): the cost of what runc's nsexec does. */
#include "nsboot/nsboot.h"

const int nsboot_seal_in_place = 0;
