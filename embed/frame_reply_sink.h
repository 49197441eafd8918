// The native protocol's ReplySink: each BootstrapReply as an nsboot frame on
// the init pipe (codec/frame.h). Pidfds that accompany a Pids reply travel
// as SCM_RIGHTS with the frame's first byte, so the init pipe must then be
// a unix socket.
#ifndef NSBOOT_EMBED_FRAME_REPLY_SINK_H_
#define NSBOOT_EMBED_FRAME_REPLY_SINK_H_

#include "common/status.h"
#include "executor/reply_sink.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace embed {

class FrameReplySink : public executor::ReplySink {
 public:
  // `fd` is borrowed.
  explicit FrameReplySink(int fd) : fd_(fd) {}
  Status Send(const v1::plain::BootstrapReply& reply,
              const executor::Attachments& attachments) override;

 private:
  int fd_;
};

}  // namespace embed
}  // namespace nsboot

#endif  // NSBOOT_EMBED_FRAME_REPLY_SINK_H_
