// Raw bytes into runc's netlink decoder, both dialects. Properties
// (fuzz/properties.cc, CheckNetlinkDecode): no crash; every rejection is
// InvalidArgument naming a byte offset inside the input; whatever decodes
// validates and re-encodes to the very same bytes; without attribute 27290
// both dialects agree. No custom mutator: this is the fast, byte-level
// target (the dictionary carries the structure); the structure-aware
// mutator drives the plan, differential and reader targets over the same
// decoder.
#include <cstddef>
#include <cstdint>

#include "fuzz/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nsboot::fuzz::CheckNetlinkDecode(nsboot::fuzz::RealOps(), data, size);
  return 0;
}
