// The streaming reader under hostile chunking. The first input byte picks
// the dialect and a chunk pattern (1..8 bytes per read, with EINTRs); the
// rest is the pipe's content. Properties: no crash or hang; on success the
// reader consumed exactly the message it returned and nothing after it, and
// decoding that prefix directly gives the same request.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/chunked_source.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "codec/reader.h"
#include "fuzz/check.h"
#include "google/protobuf/util/message_differencer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  std::vector<int> chunks;
  for (int bit = 0; bit < 4; ++bit) {
    chunks.push_back(1 + ((control >> bit) & 0x7));
    if (control & (0x10 << bit)) chunks.push_back(0);  // EINTR
  }
  const std::string pipe(reinterpret_cast<const char*>(data) + 1, size - 1);
  nsboot::codec::ReaderOptions options;
  options.runc_dialect = (control & 1) ? nsboot::codec::RuncDialect::kRunc12
                                       : nsboot::codec::RuncDialect::kRunc11;
  nsboot::codec::ChunkedSource source(pipe, chunks);
  auto result = nsboot::codec::ReadRequest(source, options);
  if (!result.ok()) return 0;
  NSBOOT_FUZZ_CHECK(source.consumed() == result->size);
  const std::string message = pipe.substr(0, result->size);
  if (result->encoding == nsboot::codec::Encoding::kNetlink) {
    auto direct = nsboot::codec::DecodeNetlink(message, options.runc_dialect);
    NSBOOT_FUZZ_CHECK(direct.ok());
    NSBOOT_FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(
        *direct, result->request));
  } else {
    auto direct = nsboot::codec::DecodeRequestFrame(message);
    NSBOOT_FUZZ_CHECK(direct.ok());
    NSBOOT_FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(
        *direct, result->request));
  }
  return 0;
}
