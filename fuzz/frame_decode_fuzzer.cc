// Raw bytes into the framed-protobuf decoders. Properties: no crash; a
// decoded request validates and survives encode -> decode unchanged.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "codec/frame.h"
#include "codec/validate.h"
#include "fuzz/check.h"
#include "google/protobuf/util/message_differencer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto request = nsboot::codec::DecodeRequestFrame(bytes);
  if (request.ok()) {
    NSBOOT_FUZZ_CHECK(nsboot::codec::ValidateRequest(*request).ok());
    auto frame = nsboot::codec::EncodeRequestFrame(*request);
    NSBOOT_FUZZ_CHECK(frame.ok());
    auto back = nsboot::codec::DecodeRequestFrame(*frame);
    NSBOOT_FUZZ_CHECK(back.ok());
    NSBOOT_FUZZ_CHECK(
        google::protobuf::util::MessageDifferencer::Equals(*request, *back));
  }
  auto reply = nsboot::codec::DecodeReplyFrame(bytes);
  if (reply.ok()) {
    // Unknown reply fields are kept and re-emitted, so sizes never shrink
    // below the known part; re-encoding must succeed.
    NSBOOT_FUZZ_CHECK(nsboot::codec::EncodeReplyFrame(*reply).ok());
  }
  return 0;
}
