// Raw bytes into the framed-protobuf request and reply decoders. Properties
// (CheckFrameDecode): no crash; rejections name a byte offset; a decoded
// request validates and survives encode -> decode unchanged, and its
// encoding is canonical; a decoded reply re-encodes and decodes the same.
// Structure-aware: the custom mutator edits the typed message.
#include <cstddef>
#include <cstdint>

#include "fuzz/mutator.h"
#include "fuzz/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nsboot::fuzz::CheckFrameDecode(nsboot::fuzz::RealOps(), data, size);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  nsboot::fuzz::InputShape shape;
  shape.netlink = false;
  return nsboot::fuzz::MutateRequestInput(shape, data, size, max_size, seed);
}
