// The streaming reader under hostile chunking. The first input byte picks
// the dialect and a chunk pattern (1..8 bytes per read, with EINTRs); the
// rest is the pipe's content, a message and whatever follows it. Properties
// (CheckReaderChunked): no crash or hang; no read larger than a chunk; the
// chunking never changes the result or the error; on success exactly the
// message was consumed and decoding it directly gives the same request; a
// disabled encoding is refused at offset 0.
#include <cstddef>
#include <cstdint>

#include "fuzz/mutator.h"
#include "fuzz/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nsboot::fuzz::CheckReaderChunked(nsboot::fuzz::RealOps(), data, size);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  nsboot::fuzz::InputShape shape;
  shape.prefix = 1;
  shape.trailing = true;
  return nsboot::fuzz::MutateRequestInput(shape, data, size, max_size, seed);
}
