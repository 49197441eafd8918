// The parent's side of the native protocol: reads one BootstrapReply frame
// from the init pipe, with any fds that travel beside it (the pidfds of a
// Pids reply, as SCM_RIGHTS on the frame's first byte).
//
// Like the request reader it trusts nothing: the header is checked (cap,
// kind) before the payload is read, reads loop over short reads and EINTR,
// and exactly one frame is consumed.
#ifndef NSBOOT_CODEC_REPLY_READER_H_
#define NSBOOT_CODEC_REPLY_READER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace codec {

// Security: a child could send any number of fds; at most this many are
// accepted with one frame (a Pids reply carries two), the rest are closed.
inline constexpr int kMaxReplyFds = 4;

struct ReplyFrame {
  v1::BootstrapReply reply;
  // Received with the frame, O_CLOEXEC; owned by the caller.
  std::vector<int> fds;
};

// Reads one reply frame from `fd` (a unix socket for fds to arrive; a pipe
// works too). NotFound at a clean EOF before the first byte (the child has
// no more to say); DataLoss at EOF inside a frame; DecodeError for bad
// bytes; Internal for I/O errors.
absl::StatusOr<ReplyFrame> ReadReplyFrame(int fd);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_REPLY_READER_H_
