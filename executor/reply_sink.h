// Where the bootstrap's replies go. The executor never encodes a byte of the
// native protocol itself: it hands typed replies, as plain structs
// (v1::plain::BootstrapReply, no protobuf runtime), to a ReplySink the
// embedder provides. embed/frame_reply_sink.h frames them for the native
// protocol; executor/runc_replies.h turns them into runc's bytes.
//
// Contract:
//  * Send is called only in stage 0, the process that called Run (an
//    ordinary process: it may allocate), never between clone and exec.
//  * Order: Ready (native and runc 1.1 only) first; then any Log records;
//    Pids once stage 2 exists; at most one Error, and nothing after it.
//  * A failing Send of Ready or Pids aborts the bootstrap (stage 0 kills the
//    other stages and still attempts the Error); Log records are best
//    effort, as runc's are.
#ifndef NSBOOT_EXECUTOR_REPLY_SINK_H_
#define NSBOOT_EXECUTOR_REPLY_SINK_H_

#include <cstdint>

#include "absl/types/span.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace executor {

// What travels beside a reply rather than inside it.
struct Attachments {
  // Pids with options.reply_pidfds: the pidfds of stage 1 and stage 2, in
  // this order, to be sent as SCM_RIGHTS. Borrowed: valid during Send only.
  absl::Span<const int> fds;
  // Error: getpid() of the failing stage in its own PID namespace (runc's
  // FATAL lines carry it: "nsexec-1[123]: ..."); 0 when unknown.
  int32_t pid = 0;
};

class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual Status Send(const v1::plain::BootstrapReply& reply,
                      const Attachments& attachments) = 0;
};

}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_REPLY_SINK_H_
