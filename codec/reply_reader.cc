#include "codec/reply_reader.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "codec/frame.h"
#include "common/status_macros.h"

namespace nsboot {
namespace codec {
namespace {

absl::Status ReadExactly(int fd, char* buf, size_t n, size_t offset) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      return absl::InternalError(absl::StrCat(
          "offset ", offset + got, ": read from init pipe: ", strerror(errno)));
    }
    if (r == 0) {
      return absl::DataLossError(absl::StrCat(
          "offset ", offset + got, ": init pipe closed inside a reply frame"));
    }
    got += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

// Reads the first byte with recvmsg (falling back to read on a non-socket)
// and collects SCM_RIGHTS fds. Returns 0 at EOF, 1 otherwise.
absl::StatusOr<int> ReadFirstByte(int fd, char* byte, std::vector<int>* fds) {
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)];
  for (;;) {
    struct iovec iov = {byte, 1};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENOTSOCK) {
      n = read(fd, byte, 1);
      if (n < 0 && errno == EINTR) continue;
    }
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("offset 0: read from init pipe: ", strerror(errno)));
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n > 0 && c != nullptr;
         c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int received;
        memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (static_cast<int>(fds->size()) < kMaxReplyFds) {
          fds->push_back(received);
        } else {
          close(received);
        }
      }
    }
    return static_cast<int>(n);
  }
}

}  // namespace

absl::StatusOr<ReplyFrame> ReadReplyFrame(int fd) {
  ReplyFrame out;
  std::string frame(kFrameHeaderSize, '\0');
  NSBOOT_ASSIGN_OR_RETURN(int first, ReadFirstByte(fd, &frame[0], &out.fds));
  auto close_fds = [&out] {
    for (int received : out.fds) close(received);
    out.fds.clear();
  };
  if (first == 0) return absl::NotFoundError("offset 0: end of replies");
  absl::Status status = ReadExactly(fd, &frame[1], kFrameHeaderSize - 1, 1);
  absl::StatusOr<FrameHeader> header =
      status.ok() ? ParseFrameHeader(frame) : absl::StatusOr<FrameHeader>(status);
  if (header.ok()) {
    frame.resize(kFrameHeaderSize + header->payload_size);
    status = ReadExactly(fd, &frame[kFrameHeaderSize], header->payload_size,
                         kFrameHeaderSize);
  }
  if (!header.ok() || !status.ok()) {
    close_fds();
    return header.ok() ? status : header.status();
  }
  absl::StatusOr<v1::BootstrapReply> reply = DecodeReplyFrame(frame);
  if (!reply.ok()) {
    close_fds();
    return reply.status();
  }
  out.reply = *std::move(reply);
  return out;
}

}  // namespace codec
}  // namespace nsboot
