// Structure-aware mutation for nsboot's fuzz targets (libprotobuf-mutator is
// not available, so this is hand-written).
//
// An input is `prefix` control bytes, then one message (a runc netlink
// message or an nsboot frame), then, for the reader target, whatever follows
// it on the pipe. MutateRequestInput:
//  * decodes the message into a typed v1::BootstrapRequest (strictly with
//    the codec; leniently when the codec refuses it: a frame's payload is
//    parsed without validation, a netlink message is split into its raw
//    attributes),
//  * mutates it: adds, drops, duplicates, swaps or alters a field or an
//    attribute, with leaf bytes (paths, payloads) handed to LLVMFuzzerMutate
//    so the dictionary and libFuzzer's own tricks apply,
//  * re-encodes it with valid framing (nlmsg_len, nla_len, padding, frame
//    length), in the same encoding or, for targets that read both, the other,
//  * and for a share of the calls, or whenever the bytes do not decode at
//    all, falls back to raw LLVMFuzzerMutate, so broken framing stays covered.
#ifndef NSBOOT_FUZZ_MUTATOR_H_
#define NSBOOT_FUZZ_MUTATOR_H_

#include <cstddef>
#include <cstdint>

// libFuzzer's own mutator. Weak: the gcc replay build and the unit tests
// link no libFuzzer, and the mutator then uses a small fallback.
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size,
                                   size_t max_size) __attribute__((weak));

namespace nsboot {
namespace fuzz {

struct InputShape {
  // Control bytes before the message; bit 0 of the first one is the runc
  // dialect (0 = runc 1.1, 1 = runc 1.2) for the targets that have one.
  size_t prefix = 0;
  // Whether the target reads netlink messages, frames, or both.
  bool netlink = true;
  bool frame = true;
  // Keep (and mutate) bytes after the message (the reader target).
  bool trailing = false;
};

// The body of a target's LLVMFuzzerCustomMutator.
size_t MutateRequestInput(const InputShape& shape, uint8_t* data, size_t size,
                          size_t max_size, unsigned int seed);

}  // namespace fuzz
}  // namespace nsboot

#endif  // NSBOOT_FUZZ_MUTATOR_H_
