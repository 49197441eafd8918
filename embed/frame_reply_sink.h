// The native protocol's ReplySink: each BootstrapReply as an nsboot frame on
// the init pipe (codec/frame.h). Pidfds that accompany a Pids reply travel
// as SCM_RIGHTS with the frame's first byte, so the init pipe must then be
// a unix socket.
//
// Ready is held back and written together with the next reply, in one
// write: the parent learns nothing from Ready that it needs before then (the
// request is already read when Ready is sent), and a parent sharing the
// CPU with stage 0 is woken once instead of twice (~15 us of every
// bootstrap, docs/BENCHMARKS.md). Before pidfds, Ready is written on its
// own, so that the SCM_RIGHTS still come with the Pids frame's first byte.
#ifndef NSBOOT_EMBED_FRAME_REPLY_SINK_H_
#define NSBOOT_EMBED_FRAME_REPLY_SINK_H_

#include <string>

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

  // Writes a held-back Ready now. Nothing calls it on destruction: the final
  // process inherits a copy of this object and must never write it.
  Status Flush();

 private:
  int fd_;
  std::string held_;  // an encoded Ready frame not yet written
};

}  // namespace embed
}  // namespace nsboot

#endif  // NSBOOT_EMBED_FRAME_REPLY_SINK_H_
