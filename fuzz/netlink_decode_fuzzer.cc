// Raw bytes into runc's netlink decoder, both dialects. Properties: no
// crash; whatever decodes also validates; whatever decodes re-encodes to the
// very same bytes (the decoder is strict and records the layout, so there
// is exactly one encoding of every accepted message).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "codec/netlink.h"
#include "codec/validate.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (auto dialect : {nsboot::codec::RuncDialect::kRunc11,
                       nsboot::codec::RuncDialect::kRunc12}) {
    auto request = nsboot::codec::DecodeNetlink(bytes, dialect);
    if (!request.ok()) continue;
    NSBOOT_FUZZ_CHECK(nsboot::codec::ValidateRequest(*request).ok());
    auto again = nsboot::codec::EncodeNetlink(*request, dialect);
    NSBOOT_FUZZ_CHECK_MSG(again.ok(), "%s",
                          again.status().ToString().c_str());
    NSBOOT_FUZZ_CHECK(*again == bytes);
  }
  return 0;
}
