// Differential: a request accepted from runc's netlink bytes goes through
// the native frame and back without change, and re-encodes to the original
// netlink bytes. The first byte picks the dialect.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "fuzz/check.h"
#include "google/protobuf/util/message_differencer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto dialect = (data[0] & 1) ? nsboot::codec::RuncDialect::kRunc12
                                     : nsboot::codec::RuncDialect::kRunc11;
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  auto request = nsboot::codec::DecodeNetlink(bytes, dialect);
  if (!request.ok()) return 0;
  auto frame = nsboot::codec::EncodeRequestFrame(*request);
  NSBOOT_FUZZ_CHECK_MSG(frame.ok(), "%s", frame.status().ToString().c_str());
  auto via_frame = nsboot::codec::DecodeRequestFrame(*frame);
  NSBOOT_FUZZ_CHECK_MSG(via_frame.ok(), "%s",
                        via_frame.status().ToString().c_str());
  NSBOOT_FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(
      *request, *via_frame));
  auto netlink = nsboot::codec::EncodeNetlink(*via_frame, dialect);
  NSBOOT_FUZZ_CHECK(netlink.ok());
  NSBOOT_FUZZ_CHECK(*netlink == bytes);
  return 0;
}
