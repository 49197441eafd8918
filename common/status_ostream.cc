// operator<< for Status, apart from status.cc (see status.h).
#include <ostream>

#include "common/status.h"

namespace nsboot {

std::ostream& operator<<(std::ostream& os, const Status& status) {
  return os << status.ToString();
}

}  // namespace nsboot
