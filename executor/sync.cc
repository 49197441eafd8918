#include "executor/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

namespace nsboot {
namespace executor {
namespace sync {
namespace {

// sendmsg and recvmsg go through syscall(), which stage 0 has bound before
// it clones: in a cloned process, the first call of a lazily bound libc
// function runs the loader's symbol lookup, and fork left the loader's text
// unmapped there (the kernel does not copy a file mapping's page tables):
// ~2 page faults fewer per bootstrap, measured.
ssize_t SendMsg(int sock, const struct msghdr* msg, int flags) {
  return syscall(SYS_sendmsg, sock, msg, flags);
}

ssize_t RecvMsg(int sock, struct msghdr* msg, int flags) {
  return syscall(SYS_recvmsg, sock, msg, flags);
}

}  // namespace

int Pair(int fds[2]) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
    return -errno;
  }
  return 0;
}

int Send(int sock, const Message& message, int fd) {
  struct iovec iov;
  iov.iov_base = const_cast<Message*>(&message);
  iov.iov_len = sizeof(message);
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    memset(control, 0, sizeof(control));
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = SendMsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  if (static_cast<size_t>(n) != sizeof(message)) return -EPROTO;
  return 0;
}

int Receive(int sock, Message* message, int* fd) {
  if (fd != nullptr) *fd = -1;
  struct iovec iov;
  iov.iov_base = message;
  iov.iov_len = sizeof(*message);
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  bool reset = false;
  for (;;) {
    n = RecvMsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    // A peer that closed with messages of ours unread leaves ECONNRESET,
    // reported once and ahead of the records it sent before (its error):
    // those come next, then EOF. The peer is gone, so this cannot block.
    if (errno == ECONNRESET && !reset) {
      reset = true;
      continue;
    }
    return -errno;
  }
  int received = -1;
  bool extra = false;
  for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int one;
      memcpy(&one, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      if (received < 0) {
        received = one;
      } else {
        close(one);
        extra = true;
      }
    }
  }
  if (n == 0 && received < 0) return 0;
  const bool bad = extra || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
                   static_cast<size_t>(n) != sizeof(*message) ||
                   message->magic != Message::kMagic ||
                   (received >= 0 && fd == nullptr);
  if (bad) {
    if (received >= 0) close(received);
    return -EPROTO;
  }
  message->text[sys::Text::kCapacity] = '\0';
  if (fd != nullptr) *fd = received;
  return 1;
}

}  // namespace sync
}  // namespace executor
}  // namespace nsboot
