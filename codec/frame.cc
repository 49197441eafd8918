#include "codec/frame.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "codec/decode_error.h"
#include "codec/validate.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"

namespace nsboot {
namespace codec {
namespace {

// Nesting in BootstrapRequest is at most 3 deep; anything deeper is hostile.
constexpr int kRecursionLimit = 16;

uint32_t LoadLe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | uint32_t{u[1]} << 8 | uint32_t{u[2]} << 16 |
         uint32_t{u[3]} << 24;
}

void StoreLe32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

// Finds the first unknown field in `message` or its submessages and names it
// by field path, e.g. "options.<unknown field 9>".
absl::Status RejectUnknownFields(const google::protobuf::Message& message,
                                 const std::string& path) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown =
      reflection->GetUnknownFields(message);
  if (!unknown.empty()) {
    return DecodeError(
        kFrameHeaderSize,
        absl::StrCat("unknown field ", unknown.field(0).number(), " in ",
                     path.empty() ? message.GetDescriptor()->name() : path,
                     " (this child speaks schema version 1)"));
  }
  // Leaf messages (IdMapping, TimeOffset, ...) have nothing to descend
  // into; skipping ListFields for them keeps a 680-mapping request cheap.
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  bool has_submessages = false;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    has_submessages |= descriptor->field(i)->cpp_type() ==
                       google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE;
  }
  if (!has_submessages) return absl::OkStatus();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    const std::string prefix = path.empty() ? "" : path + ".";
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        NSBOOT_RETURN_IF_ERROR(RejectUnknownFields(
            reflection->GetRepeatedMessage(message, field, i),
            absl::StrCat(prefix, field->name(), "[", i, "]")));
      }
    } else {
      NSBOOT_RETURN_IF_ERROR(RejectUnknownFields(
          reflection->GetMessage(message, field), prefix + field->name()));
    }
  }
  return absl::OkStatus();
}

// Parses the payload of a whole frame of the expected kind into `message`.
absl::Status ParseFramePayload(absl::string_view frame, FrameKind want,
                               google::protobuf::Message* message) {
  NSBOOT_ASSIGN_OR_RETURN(FrameHeader header, ParseFrameHeader(frame));
  if (header.kind != want) {
    return DecodeError(5, absl::StrCat("frame kind ",
                                       static_cast<int>(header.kind),
                                       ", expected ", static_cast<int>(want)));
  }
  const uint64_t total = uint64_t{kFrameHeaderSize} + header.payload_size;
  if (frame.size() < total) {
    return DecodeError(frame.size(),
                       absl::StrCat("frame truncated: payload length ",
                                    header.payload_size, " but only ",
                                    frame.size() - kFrameHeaderSize,
                                    " payload bytes"));
  }
  if (frame.size() > total) {
    return DecodeError(total, absl::StrCat(frame.size() - total,
                                           " bytes after the end of the frame"));
  }
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(frame.data()) + kFrameHeaderSize,
      static_cast<int>(header.payload_size));
  input.SetRecursionLimit(kRecursionLimit);
  if (!message->MergeFromCodedStream(&input) ||
      !input.ConsumedEntireMessage()) {
    // protobuf does not say where parsing stopped; CurrentPosition() is the
    // furthest it got.
    return DecodeError(kFrameHeaderSize + input.CurrentPosition(),
                       absl::StrCat("malformed ",
                                    message->GetDescriptor()->full_name(),
                                    " payload"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeFrame(FrameKind kind,
                                        const google::protobuf::Message& msg) {
  const size_t size = msg.ByteSizeLong();
  if (size > kMaxFramePayloadSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(msg.GetDescriptor()->full_name(), " is ", size,
                     " bytes, over the frame cap of ", kMaxFramePayloadSize));
  }
  std::string out(kFrameHeaderSize + size, '\0');
  std::memcpy(&out[0], kFrameMagic, sizeof(kFrameMagic));
  out[4] = static_cast<char>(kFrameVersion);
  out[5] = static_cast<char>(kind);
  StoreLe32(static_cast<uint32_t>(size), &out[8]);
  google::protobuf::io::ArrayOutputStream array(&out[kFrameHeaderSize],
                                                static_cast<int>(size));
  google::protobuf::io::CodedOutputStream output(&array);
  output.SetSerializationDeterministic(true);
  msg.SerializeWithCachedSizes(&output);
  if (output.HadError()) {
    return absl::InternalError("protobuf serialization failed");
  }
  return out;
}

}  // namespace

absl::StatusOr<FrameHeader> ParseFrameHeader(absl::string_view header) {
  if (header.size() < kFrameHeaderSize) {
    return DecodeError(header.size(),
                       absl::StrCat("frame header truncated: ", header.size(),
                                    " of ", kFrameHeaderSize, " bytes"));
  }
  if (std::memcmp(header.data(), kFrameMagic, sizeof(kFrameMagic)) != 0) {
    return DecodeError(0, "bad frame magic (want \"NSBT\")");
  }
  const auto version = static_cast<uint8_t>(header[4]);
  if (version != kFrameVersion) {
    return DecodeError(4, absl::StrCat("unsupported frame version ", version,
                                       " (this side speaks ", kFrameVersion,
                                       ")"));
  }
  const auto kind = static_cast<uint8_t>(header[5]);
  if (kind != static_cast<uint8_t>(FrameKind::kRequest) &&
      kind != static_cast<uint8_t>(FrameKind::kReply)) {
    return DecodeError(5, absl::StrCat("unknown frame kind ", kind));
  }
  if (header[6] != 0 || header[7] != 0) {
    return DecodeError(6, "reserved frame flags are not zero");
  }
  const uint32_t size = LoadLe32(header.data() + 8);
  if (size > kMaxFramePayloadSize) {
    return DecodeError(8, absl::StrCat("payload length ", size,
                                       " exceeds the cap of ",
                                       kMaxFramePayloadSize));
  }
  return FrameHeader{static_cast<FrameKind>(kind), size};
}

absl::StatusOr<v1::BootstrapRequest> DecodeRequestFrame(
    absl::string_view frame) {
  v1::BootstrapRequest request;
  NSBOOT_RETURN_IF_ERROR(
      ParseFramePayload(frame, FrameKind::kRequest, &request));
  NSBOOT_RETURN_IF_ERROR(RejectUnknownFields(request, ""));
  absl::Status valid = ValidateRequest(request);
  if (!valid.ok()) {
    // Field-level problems have no byte position inside a protobuf payload;
    // name the payload's start and the field path.
    return DecodeError(kFrameHeaderSize, valid.message());
  }
  return request;
}

absl::StatusOr<v1::BootstrapReply> DecodeReplyFrame(absl::string_view frame) {
  v1::BootstrapReply reply;
  NSBOOT_RETURN_IF_ERROR(ParseFramePayload(frame, FrameKind::kReply, &reply));
  return reply;
}

absl::StatusOr<std::string> EncodeRequestFrame(
    const v1::BootstrapRequest& request) {
  NSBOOT_RETURN_IF_ERROR(ValidateRequest(request));
  return EncodeFrame(FrameKind::kRequest, request);
}

absl::StatusOr<std::string> EncodeReplyFrame(const v1::BootstrapReply& reply) {
  return EncodeFrame(FrameKind::kReply, reply);
}

}  // namespace codec
}  // namespace nsboot
