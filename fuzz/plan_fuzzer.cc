// Validation plus planning. The first input byte picks the runc dialect and
// a PlanOptions variant; the rest is a netlink message or a frame. Every
// request that decodes (and every typed request a frame's payload holds,
// valid or not) goes through executor::MakePlan with each ReplyProtocol and
// FinishMode. Properties (CheckPlan): it plans or fails cleanly
// (InvalidArgument, Unimplemented or FailedPrecondition, with a message); a plan never contains
// a step the request did not ask for, contains every one it did, and is a
// complete conversation between the stages; planning is deterministic.
#include <cstddef>
#include <cstdint>

#include "fuzz/mutator.h"
#include "fuzz/properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nsboot::fuzz::CheckPlan(nsboot::fuzz::RealOps(), data, size);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  nsboot::fuzz::InputShape shape;
  shape.prefix = 1;
  return nsboot::fuzz::MutateRequestInput(shape, data, size, max_size, seed);
}
