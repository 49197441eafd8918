// The hand-written wire codec (codec/wire.h, the pre-main path's request
// decoder and reply encoder) against libprotobuf, on raw payload bytes.
// Properties:
//  * ours accepts => libprotobuf parses the same bytes with no unknown
//    fields, into an equal message;
//  * ours refuses => the error names an offset inside the input, and either
//    libprotobuf refuses too (or keeps unknown fields) or ours hit one of
//    its documented early caps ("more than N entries");
//  * the same bytes as a reply: when libprotobuf parses them without unknown
//    fields, our serialization of the plain reply equals libprotobuf's
//    deterministic serialization.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "codec/decode_error.h"
#include "codec/wire.h"
#include "fuzz/check.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace {

using nsboot::v1::BootstrapReply;
using nsboot::v1::BootstrapRequest;

// Parses with libprotobuf's strict view: accepted and nothing unknown.
template <typename Message>
bool ParsesCleanly(const std::string& bytes, Message* message) {
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  input.SetRecursionLimit(16);
  if (!message->MergeFromCodedStream(&input) ||
      !input.ConsumedEntireMessage()) {
    return false;
  }
  // Unknown fields anywhere: a round trip through the descriptor-driven
  // serializer keeps them, so compare sizes with a copy that drops them.
  Message known = *message;
  known.DiscardUnknownFields();
  return known.ByteSizeLong() == message->ByteSizeLong();
}

std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  BootstrapRequest reference;
  const bool reference_ok = ParsesCleanly(bytes, &reference);
  auto ours = nsboot::codec::ParseRequestPayload(bytes, 0);
  if (ours.ok()) {
    NSBOOT_FUZZ_CHECK_MSG(reference_ok, "ours accepts what libprotobuf %s",
                          "refuses");
    const BootstrapRequest back = nsboot::v1::ToProto(*ours);
    NSBOOT_FUZZ_CHECK_MSG(
        google::protobuf::util::MessageDifferencer::Equals(reference, back),
        "%s\nvs\n%s", reference.DebugString().c_str(),
        back.DebugString().c_str());
  } else {
    const auto offset = nsboot::codec::DecodeErrorOffset(ours.status());
    NSBOOT_FUZZ_CHECK_MSG(offset.has_value() && *offset <= size, "%s",
                          ours.status().ToString().c_str());
    NSBOOT_FUZZ_CHECK_MSG(
        !reference_ok ||
            absl::StrContains(ours.status().message(), "entries (the limit)"),
        "ours refuses what libprotobuf accepts: %s",
        ours.status().ToString().c_str());
  }

  BootstrapReply reply;
  if (ParsesCleanly(bytes, &reply)) {
    const std::string mine =
        nsboot::codec::SerializeReplyPayload(nsboot::v1::ToPlain(reply));
    NSBOOT_FUZZ_CHECK_MSG(mine == Deterministic(reply), "%s",
                          reply.DebugString().c_str());
  }
  return 0;
}
