// Messages between the stage processes, over CLOEXEC SOCK_SEQPACKET
// socketpairs: one fixed-size record per message (so no partial reads, and
// EOF when the peer is gone), optionally carrying one fd as SCM_RIGHTS.
// Allocation-free; usable between clone and exec.
#ifndef NSBOOT_EXECUTOR_SYNC_H_
#define NSBOOT_EXECUTOR_SYNC_H_

#include <sys/types.h>

#include <cstdint>

#include "executor/sys.h"

namespace nsboot {
namespace executor {
namespace sync {

enum class Type : uint32_t {
  kRequest = 1,   // CHILD -> PARENT, sync_point = what to do
  kAck = 2,       // PARENT -> CHILD, sync_point = what was done
  kInitPid = 3,   // CHILD -> PARENT, value = stage 2 pid, fd = its pidfd
  kChildFinish = 4,
  kRelease = 5,   // PARENT -> INIT
  kInitFinish = 6,
  kMountFd = 7,   // PARENT -> CHILD, value = index, fd = the O_PATH fd
  kError = 8,     // any -> PARENT: stage, step, err, pid, text
};

struct Message {
  uint32_t magic = kMagic;
  Type type = Type::kError;
  int32_t sync_point = 0;
  int32_t value = 0;
  // kError.
  int32_t stage = 0;
  int32_t step = 0;
  int32_t err = 0;
  int32_t pid = 0;
  char text[sys::Text::kCapacity + 1] = {};

  static constexpr uint32_t kMagic = 0x6e73796e;  // "nsyn"
};

// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC). 0 or -errno.
int Pair(int fds[2]);

// Sends one message (MSG_NOSIGNAL), with `fd` as SCM_RIGHTS when >= 0.
// 0 or -errno (-EPIPE when the peer is gone).
int Send(int sock, const Message& message, int fd = -1);

// Receives one message. Returns 1 and fills *message (and *fd, CLOEXEC,
// when one was attached; -1 otherwise), 0 on EOF, or -errno. A record of the
// wrong size or magic is -EPROTO; an fd arriving where fd is null is closed
// and -EPROTO. The messages of a peer that exited with messages of ours
// unread are still read, then EOF (no -ECONNRESET in their way).
int Receive(int sock, Message* message, int* fd);

}  // namespace sync
}  // namespace executor
}  // namespace nsboot

#endif  // NSBOOT_EXECUTOR_SYNC_H_
