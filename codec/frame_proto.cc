// The generated-message side of the frame codec, in its own object so a
// static link of the plain path (frame.cc, wire.cc) does not pull protobuf
// in. Requests are decoded by the one strict decoder (codec/wire.h) and
// converted; replies are decoded leniently by libprotobuf.
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/frame.h"
#include "codec/validate.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace codec {
namespace {

// A reply nests at most 3 deep; anything deeper is hostile.
constexpr int kRecursionLimit = 16;

StatusOr<std::string> EncodeFrame(FrameKind kind,
                                  const google::protobuf::Message& msg) {
  const size_t size = msg.ByteSizeLong();
  if (size > kMaxFramePayloadSize) {
    return InvalidArgumentError(StrCat(msg.GetDescriptor()->full_name(), " is ",
                                       size, " bytes, over the frame cap of ",
                                       kMaxFramePayloadSize));
  }
  std::string out = FrameHeaderBytes(kind, static_cast<uint32_t>(size));
  out.resize(kFrameHeaderSize + size);
  google::protobuf::io::ArrayOutputStream array(&out[kFrameHeaderSize],
                                                static_cast<int>(size));
  google::protobuf::io::CodedOutputStream output(&array);
  output.SetSerializationDeterministic(true);
  msg.SerializeWithCachedSizes(&output);
  if (output.HadError()) {
    return InternalError("protobuf serialization failed");
  }
  return out;
}

}  // namespace

StatusOr<v1::BootstrapRequest> DecodeRequestFrame(absl::string_view frame) {
  NSBOOT_ASSIGN_OR_RETURN(v1::plain::BootstrapRequest request,
                          DecodeRequestFramePlain(frame));
  return v1::ToProto(request);
}

StatusOr<v1::BootstrapReply> DecodeReplyFrame(absl::string_view frame) {
  NSBOOT_ASSIGN_OR_RETURN(absl::string_view payload,
                          FramePayload(frame, FrameKind::kReply));
  v1::BootstrapReply reply;
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(payload.data()),
      static_cast<int>(payload.size()));
  input.SetRecursionLimit(kRecursionLimit);
  if (!reply.MergeFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    // protobuf does not say where parsing stopped; CurrentPosition() is the
    // furthest it got.
    return DecodeError(kFrameHeaderSize + input.CurrentPosition(),
                       "malformed nsboot.v1.BootstrapReply payload");
  }
  return reply;
}

StatusOr<std::string> EncodeRequestFrame(const v1::BootstrapRequest& request) {
  NSBOOT_RETURN_IF_ERROR(ValidateRequest(request));
  return EncodeFrame(FrameKind::kRequest, request);
}

StatusOr<std::string> EncodeReplyFrame(const v1::BootstrapReply& reply) {
  return EncodeFrame(FrameKind::kReply, reply);
}

}  // namespace codec
}  // namespace nsboot
