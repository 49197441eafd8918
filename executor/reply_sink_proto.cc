// ReplySink::Send for a generated v1::BootstrapReply, apart from the
// protobuf-free executor (see reply_sink.h).
#include "absl/status/status.h"
#include "executor/reply_sink.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace executor {

absl::Status ReplySink::Send(const v1::BootstrapReply& reply,
                             const Attachments& attachments) {
  return Send(v1::ToPlain(reply), attachments);
}

}  // namespace executor
}  // namespace nsboot
