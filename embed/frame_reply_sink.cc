#include "embed/frame_reply_sink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codec/frame.h"
#include "common/status.h"
#include "common/status_macros.h"
#include "common/str_cat.h"
#include "executor/runc_replies.h"

namespace nsboot {
namespace embed {
namespace {

// Sends the first byte of `data` with `fds` as SCM_RIGHTS; returns the
// number of bytes sent (1) or an error.
StatusOr<size_t> SendWithFds(int sock, absl::string_view data,
                             absl::Span<const int> fds) {
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()), 0);
  char first = data[0];
  struct iovec iov = {&first, 1};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  for (;;) {
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n == 1) return 1;
    if (n < 0 && errno == EINTR) continue;
    return InternalError(StrCat("sending pidfds on the init pipe: ",
                                strerror(n < 0 ? errno : EIO)));
  }
}

}  // namespace

Status FrameReplySink::Send(const v1::plain::BootstrapReply& reply,
                            const executor::Attachments& attachments) {
  NSBOOT_ASSIGN_OR_RETURN(std::string frame, codec::EncodeReplyFrame(reply));
  if (reply.kind == v1::plain::BootstrapReply::Kind::kReady && held_.empty()) {
    held_ = std::move(frame);
    return OkStatus();
  }
  if (!attachments.fds.empty()) {
    NSBOOT_RETURN_IF_ERROR(Flush());
  } else if (!held_.empty()) {
    held_.append(frame);
    frame = std::move(held_);
    held_.clear();
  }
  absl::string_view rest = frame;
  if (!attachments.fds.empty()) {
    NSBOOT_ASSIGN_OR_RETURN(size_t sent,
                            SendWithFds(fd_, frame, attachments.fds));
    rest.remove_prefix(sent);
  }
  return executor::WriteAllNoSigpipe(fd_, rest);
}

Status FrameReplySink::Flush() {
  if (held_.empty()) return OkStatus();
  const std::string frame = std::move(held_);
  held_.clear();
  return executor::WriteAllNoSigpipe(fd_, frame);
}

}  // namespace embed
}  // namespace nsboot
