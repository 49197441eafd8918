// Differential between the two encodings. The first input byte picks the
// runc dialect; the rest is either
//  * a netlink message: netlink -> request -> frame -> request gives the same
//    request, and back to the very same netlink bytes; or
//  * a frame, whose payload is taken as ANY typed request (not validated):
//    request -> frame and request -> netlink are both accepted, or both
//    refused with the same error code, or netlink refuses under a rule of
//    fuzz/differential_exceptions.txt; what netlink accepts decodes back to
//    the same request up to the normalizations listed there.
// The exceptions live in that checked-in list, not in the assertions.
#include <cstddef>
#include <cstdint>

#include "fuzz/mutator.h"
#include "fuzz/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nsboot::fuzz::CheckDifferential(nsboot::fuzz::RealOps(), data, size);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  nsboot::fuzz::InputShape shape;
  shape.prefix = 1;
  return nsboot::fuzz::MutateRequestInput(shape, data, size, max_size, seed);
}
