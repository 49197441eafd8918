#include "executor/namespace_ids.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "common/decimal.h"
#include "common/str_cat.h"
#include "executor/plan.h"

namespace nsboot {
namespace executor {
namespace {

// PIDFD_GET_<TYPE>_NAMESPACE of linux/pidfd.h (Linux 6.11), which Debian
// 12's kernel headers predate. PID is the process's own pid namespace and
// TIME its time namespace, as /proc/<pid>/ns/pid and /time show them (not
// the *_FOR_CHILDREN ones); USER is its credentials' user namespace.
constexpr unsigned int kPidfsIoctlMagic = 0xFF;
unsigned long NamespaceIoctl(v1::Namespace type) {
  switch (type) {
    case v1::NAMESPACE_CGROUP: return _IO(kPidfsIoctlMagic, 1);
    case v1::NAMESPACE_IPC: return _IO(kPidfsIoctlMagic, 2);
    case v1::NAMESPACE_MOUNT: return _IO(kPidfsIoctlMagic, 3);
    case v1::NAMESPACE_NET: return _IO(kPidfsIoctlMagic, 4);
    case v1::NAMESPACE_PID: return _IO(kPidfsIoctlMagic, 5);
    case v1::NAMESPACE_TIME: return _IO(kPidfsIoctlMagic, 7);
    case v1::NAMESPACE_USER: return _IO(kPidfsIoctlMagic, 9);
    case v1::NAMESPACE_UTS: return _IO(kPidfsIoctlMagic, 10);
    default: return 0;
  }
}

// The inode of a /proc/<pid>/ns/<name> file from its link text,
// "<name>:[<inode>]"; nullopt if it cannot be read or parsed.
absl::optional<uint64_t> ReadNamespaceInode(int dirfd, const char* name) {
  char buf[64];
  const ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return absl::nullopt;
  const absl::string_view text(buf, static_cast<size_t>(n));
  const size_t open = FindChar(text, '[');
  if (open == absl::string_view::npos || text.back() != ']') {
    return absl::nullopt;
  }
  // The digits stop at the final ']' at the latest: the parse stays in buf.
  const char* end;
  uint64_t value;
  if (!ParseCanonicalDecimal(buf + open + 1, UINT64_MAX, &end, &value) ||
      end != buf + n - 1) {
    return absl::nullopt;
  }
  return value;
}

// /proc/<pid>/ns, opened on first use. Every namespace file is on nsfs, so
// one stat gives the device for all; the inodes come from readlink, which
// costs half of a stat (nsfs builds a dentry and an inode for each stat).
class ProcNamespaces {
 public:
  ProcNamespaces(pid_t pid, int proc_fd) : pid_(pid), proc_fd_(proc_fd) {}
  ~ProcNamespaces() {
    if (dir_ >= 0) close(dir_);
  }
  ProcNamespaces(const ProcNamespaces&) = delete;
  ProcNamespaces& operator=(const ProcNamespaces&) = delete;

  // The device every namespace file has, once known from elsewhere.
  void SetDevice(uint64_t device) {
    device_ = device;
    have_device_ = true;
  }

  bool Read(v1::Namespace type, v1::plain::NamespaceId* id) {
    if (!opened_) {
      opened_ = true;
      char path[48];
      snprintf(path, sizeof(path), "%s%d/ns", proc_fd_ >= 0 ? "" : "/proc/",
               static_cast<int>(pid_));
      dir_ = openat(proc_fd_ >= 0 ? proc_fd_ : AT_FDCWD, path,
                    O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (dir_ < 0) return false;
    const char* name = NamespaceName(type);
    absl::optional<uint64_t> inode;
    if (have_device_) inode = ReadNamespaceInode(dir_, name);
    if (!inode) {
      struct stat st;
      if (fstatat(dir_, name, &st, 0) != 0) return false;
      inode = st.st_ino;
      SetDevice(st.st_dev);
    }
    id->type = type;
    id->inode = *inode;
    id->device = device_;
    return true;
  }

 private:
  const pid_t pid_;
  const int proc_fd_;
  bool opened_ = false;
  int dir_ = -1;
  bool have_device_ = false;
  uint64_t device_ = 0;
};

}  // namespace

NamespaceIdsRead ReadNamespaceIds(pid_t pid, int pidfd, int proc_fd,
                                  NamespaceIdSource source,
                                  std::vector<v1::plain::NamespaceId>* ids) {
  NamespaceIdsRead read;
  ProcNamespaces proc(pid, proc_fd);
  bool use_pidfd = source == NamespaceIdSource::kPidfd && pidfd >= 0;
  for (int t = v1::NAMESPACE_MOUNT; t <= v1::NAMESPACE_TIME; ++t) {
    const auto type = static_cast<v1::Namespace>(t);
    v1::plain::NamespaceId id;
    if (use_pidfd) {
      const int fd = ioctl(pidfd, NamespaceIoctl(type), 0);
      if (fd >= 0) {
        struct stat st;
        const int rc = fstat(fd, &st);
        close(fd);
        if (rc == 0) {
          id.type = type;
          id.inode = st.st_ino;
          id.device = st.st_dev;
          proc.SetDevice(st.st_dev);
          ids->push_back(id);
          ++read.from_pidfd;
          continue;
        }
      } else if (errno == ENOTTY || errno == EINVAL) {
        use_pidfd = false;  // no such ioctls here: /proc for the rest
      }
    }
    if (proc.Read(type, &id)) {
      ids->push_back(id);
      ++read.from_proc;
    }
  }
  return read;
}

}  // namespace executor
}  // namespace nsboot
