// Conversions between the generated v1 messages and their plain mirrors
// (plain.h). Lossless both ways for every field of the schema, including
// presence and out-of-range (open) enum values.
#ifndef NSBOOT_PROTO_NSBOOT_V1_PLAIN_CONVERT_H_
#define NSBOOT_PROTO_NSBOOT_V1_PLAIN_CONVERT_H_

#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace v1 {

plain::BootstrapRequest ToPlain(const BootstrapRequest& request);
BootstrapRequest ToProto(const plain::BootstrapRequest& request);

plain::BootstrapReply ToPlain(const BootstrapReply& reply);
BootstrapReply ToProto(const plain::BootstrapReply& reply);

}  // namespace v1
}  // namespace nsboot

#endif  // NSBOOT_PROTO_NSBOOT_V1_PLAIN_CONVERT_H_
