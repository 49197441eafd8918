#include "embed/sealed_exe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <initializer_list>

namespace nsboot {
namespace embed {
namespace {

constexpr unsigned kSeals =
    F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

// The bottom lowerdir of the overlay. Overlayfs runs read-only ("lower
// only") only with two or more lower layers, and layers may not overlap, so
// the binary's directory needs a separate partner. Its content never shows:
// the binary's directory is the top layer, and only the binary is opened.
constexpr char kDummyLowerDir[] = "/run/nsboot-sealed-lower";

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

int NegErrno() { return errno > 0 ? -errno : -EIO; }

// Appends `src` to `dst` (size `cap`), escaping ':' and '\' as overlayfs's
// lowerdir syntax requires. Returns false if it does not fit.
bool AppendEscaped(char* dst, size_t cap, size_t* len, const char* src,
                   size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (src[i] == ':' || src[i] == '\\') {
      if (*len + 1 >= cap) return false;
      dst[(*len)++] = '\\';
    }
    if (*len + 1 >= cap) return false;
    dst[(*len)++] = src[i];
  }
  dst[*len] = '\0';
  return true;
}

int OpenOverlayCopy() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return NegErrno();
  if (n >= static_cast<ssize_t>(sizeof(exe)) - 1) return -ENAMETOOLONG;
  exe[n] = '\0';
  // " (deleted)" or a non-absolute target (memfd:...) cannot be overlaid.
  if (exe[0] != '/') return -ENOENT;
  char* slash = strrchr(exe, '/');
  const char* name = slash + 1;
  const size_t dir_len = slash == exe ? 1 : static_cast<size_t>(slash - exe);
  if (*name == '\0') return -ENOENT;

  if (mkdir(kDummyLowerDir, 0555) != 0 && errno != EEXIST) return NegErrno();
  struct stat st;
  if (lstat(kDummyLowerDir, &st) != 0) return NegErrno();
  if (!S_ISDIR(st.st_mode)) return -ENOTDIR;

  char lower[2 * PATH_MAX + 2];
  size_t len = 0;
  lower[0] = '\0';
  // "<binary dir>:<dummy>", the binary's directory on top.
  if (!AppendEscaped(lower, sizeof(lower), &len, exe, dir_len) ||
      len + 2 >= sizeof(lower)) {
    return -ENAMETOOLONG;
  }
  lower[len++] = ':';
  lower[len] = '\0';
  if (!AppendEscaped(lower, sizeof(lower), &len, kDummyLowerDir,
                     sizeof(kDummyLowerDir) - 1)) {
    return -ENAMETOOLONG;
  }

  Fd ctx(fsopen("overlay", FSOPEN_CLOEXEC));
  if (ctx.get() < 0) return NegErrno();
  if (fsconfig(ctx.get(), FSCONFIG_SET_STRING, "lowerdir", lower, 0) != 0) {
    return NegErrno();
  }
  if (fsconfig(ctx.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    return NegErrno();
  }
  Fd mnt(fsmount(ctx.get(), FSMOUNT_CLOEXEC,
                 MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID));
  if (mnt.get() < 0) return NegErrno();
  int fd = openat(mnt.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  return fd >= 0 ? fd : NegErrno();
}

int OpenBindClone() {
  // open_tree follows the /proc/self/exe magic link to the binary and
  // clones a mount of just that file, attached nowhere.
  Fd tree(open_tree(AT_FDCWD, "/proc/self/exe",
                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (tree.get() < 0) return NegErrno();
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof(attr)) != 0) {
    return NegErrno();
  }
  return tree.release();
}

int OpenMemfdCopy() {
  Fd src(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (src.get() < 0) return NegErrno();
  struct stat st;
  if (fstat(src.get(), &st) != 0) return NegErrno();
  Fd memfd(static_cast<int>(syscall(SYS_memfd_create, "nsboot:sealed-exe",
                                    MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (memfd.get() < 0) return NegErrno();
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t sent = sendfile(memfd.get(), src.get(), &offset,
                            static_cast<size_t>(st.st_size - offset));
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) return NegErrno();
    if (sent == 0) return -EIO;  // the binary shrank under us
  }
  if (fcntl(memfd.get(), F_ADD_SEALS, kSeals) != 0) return NegErrno();
  return memfd.release();
}

}  // namespace

const char* SealMethodName(SealMethod method) {
  switch (method) {
    case SealMethod::kNone:
      return "none";
    case SealMethod::kOverlayfs:
      return "overlayfs";
    case SealMethod::kMemfd:
      return "memfd";
    case SealMethod::kReadOnly:
      return "read-only mount";
    case SealMethod::kBindClone:
      return "read-only bind clone";
  }
  return "?";
}

SealMethod RunningFromSealedExe() {
  Fd exe(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (exe.get() < 0) return SealMethod::kNone;
  int seals = fcntl(exe.get(), F_GET_SEALS);
  if (seals >= 0 && (static_cast<unsigned>(seals) & kSeals) == kSeals) {
    return SealMethod::kMemfd;
  }
  struct statfs fs;
  if (fstatfs(exe.get(), &fs) != 0) return SealMethod::kNone;
  if ((fs.f_flags & ST_RDONLY) == 0) return SealMethod::kNone;
  return fs.f_type == OVERLAYFS_SUPER_MAGIC ? SealMethod::kOverlayfs
                                            : SealMethod::kReadOnly;
}

int OpenSealedCopy(SealMethod method) {
  switch (method) {
    case SealMethod::kOverlayfs:
      return OpenOverlayCopy();
    case SealMethod::kMemfd:
      return OpenMemfdCopy();
    case SealMethod::kBindClone:
      return OpenBindClone();
    default:
      return -EINVAL;
  }
}

int ReexecSealed(char* const argv[], char* const envp[], SealMethod first,
                 SealMethod* tried) {
  int err = -ENOSYS;
  const SealMethod order[] = {first, SealMethod::kMemfd};
  const int count = first == SealMethod::kMemfd ? 1 : 2;
  for (int i = 0; i < count; ++i) {
    const SealMethod method = order[i];
    *tried = method;
    Fd fd(OpenSealedCopy(method));
    if (fd.get() < 0) {
      err = fd.get();
      continue;
    }
    syscall(SYS_execveat, fd.get(), "", argv, envp, AT_EMPTY_PATH);
    err = NegErrno();
  }
  return err;
}

}  // namespace embed
}  // namespace nsboot
