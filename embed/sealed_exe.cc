#include "embed/sealed_exe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/magic.h>
#include <linux/prctl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

// `*mount_fd`, when given, gets the detached mount's fd instead of it being
// closed here (see SealInPlace).
int OpenOverlayCopy(int* mount_fd) {
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

  struct stat st;
  if (lstat(kDummyLowerDir, &st) != 0) {
    if (errno != ENOENT) return NegErrno();
    if (mkdir(kDummyLowerDir, 0555) != 0 && errno != EEXIST) return NegErrno();
    if (lstat(kDummyLowerDir, &st) != 0) return NegErrno();
  }
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
  // Readable (not O_PATH): SealInPlace maps it; execveat takes it too.
  int fd = openat(mnt.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return NegErrno();
  if (mount_fd != nullptr) *mount_fd = mnt.release();
  return fd;
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

// ---- adopting a sealed copy in place (no exec) ----

// Reads the whole of a small /proc file into `buf` (NUL-terminated).
// Returns its length, or a negative errno; -E2BIG if it does not fit.
ssize_t ReadProcFile(const char* path, char* buf, size_t cap) {
  Fd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return NegErrno();
  size_t len = 0;
  for (;;) {
    if (len + 1 >= cap) return -E2BIG;
    ssize_t n = read(fd.get(), buf + len, cap - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return NegErrno();
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  buf[len] = '\0';
  return static_cast<ssize_t>(len);
}

// Parses a decimal number at *p, advancing past it.
bool ParseDecimal(const char** p, uint64_t* out) {
  uint64_t v = 0;
  const char* s = *p;
  for (; *s >= '0' && *s <= '9'; ++s) {
    const uint64_t d = static_cast<uint64_t>(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (s == *p) return false;
  *p = s;
  *out = v;
  return true;
}

bool Expect(const char** p, char c) {
  if (**p != c) return false;
  ++*p;
  return true;
}

// The memory map PR_SET_MM_MAP wants, as the kernel has it now
// (/proc/self/stat fields 26-28 and 45-51, see proc(5); brk from brk(0)).
int ReadMmMap(struct prctl_mm_map* map) {
  char buf[2048];
  ssize_t n = ReadProcFile("/proc/self/stat", buf, sizeof(buf));
  if (n < 0) return static_cast<int>(n);
  // The command name (field 2) may hold anything; it ends at the last ')'.
  const char* p = strrchr(buf, ')');
  if (p == nullptr) return -EINVAL;
  ++p;
  uint64_t field[52] = {};
  for (int i = 3; i <= 51; ++i) {
    if (!Expect(&p, ' ')) return -EINVAL;
    if (i == 3) {  // the state, a letter
      if (*p == '\0' || *p == ' ') return -EINVAL;
      ++p;
      continue;
    }
    if (*p == '-') ++p;  // signed fields, unused here (priority, nice)
    if (!ParseDecimal(&p, &field[i])) return -EINVAL;
  }
  memset(map, 0, sizeof(*map));
  map->start_code = field[26];
  map->end_code = field[27];
  map->start_stack = field[28];
  map->start_data = field[45];
  map->end_data = field[46];
  map->start_brk = field[47];
  map->arg_start = field[48];
  map->arg_end = field[49];
  map->env_start = field[50];
  map->env_end = field[51];
  long brk = syscall(SYS_brk, 0);
  if (brk <= 0) return -EINVAL;
  map->brk = static_cast<uint64_t>(brk);
  map->auxv = nullptr;  // auxv_size 0: the kernel keeps the saved auxv
  map->auxv_size = 0;
  return 0;
}

// A mapping of the running binary: what the kernel's ELF loader mapped from
// the file for one PT_LOAD segment (or part of one), and whether the process
// may have written it since.
struct ExeMapping {
  uintptr_t start;
  uintptr_t end;
  uint64_t offset;
  int prot;
  bool dirty;
};
constexpr int kMaxExeMappings = 32;

int SegmentProt(uint32_t flags) {
  return ((flags & PF_R) != 0 ? PROT_READ : 0) |
         ((flags & PF_W) != 0 ? PROT_WRITE : 0) |
         ((flags & PF_X) != 0 ? PROT_EXEC : 0);
}

// The file-backed mappings of the main program, from its program headers
// (cheaper than /proc/self/maps, whose text the kernel builds for every
// mapping of the process): [page_start(vaddr), page_end(vaddr + filesz))
// of every PT_LOAD, at page_start(offset). Writable segments are dirty (data,
// the page the kernel zeroed past it); their RELRO part is split off, read-
// only since the dynamic loader relocated it. Returns how many, or a
// negative errno: -ENOTSUP for text relocations (read-only pages written by
// the loader) or no PT_PHDR (no way to find the load bias).
int FindExeMappings(ExeMapping* out) {
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(getauxval(AT_PHDR));
  const size_t phnum = getauxval(AT_PHNUM);
  const uintptr_t page = getauxval(AT_PAGESZ);
  if (phdr == nullptr || phnum == 0 || page == 0) return -ENOTSUP;
  const auto page_start = [page](uintptr_t a) { return a & ~(page - 1); };
  const auto page_end = [page](uintptr_t a) {
    return (a + page - 1) & ~(page - 1);
  };
  uintptr_t bias = 0;
  bool have_bias = false;
  uintptr_t relro_start = 0, relro_end = 0;
  for (size_t i = 0; i < phnum; ++i) {
    if (phdr[i].p_type == PT_PHDR) {
      bias = reinterpret_cast<uintptr_t>(phdr) - phdr[i].p_vaddr;
      have_bias = true;
    }
  }
  if (!have_bias) return -ENOTSUP;
  for (size_t i = 0; i < phnum; ++i) {
    const ElfW(Phdr)& ph = phdr[i];
    if (ph.p_type == PT_GNU_RELRO) {
      // As glibc's _dl_protect_relro rounds it.
      relro_start = page_start(bias + ph.p_vaddr);
      relro_end = page_start(bias + ph.p_vaddr + ph.p_memsz);
    } else if (ph.p_type == PT_DYNAMIC) {
      for (const auto* d = reinterpret_cast<const ElfW(Dyn)*>(bias + ph.p_vaddr);
           d->d_tag != DT_NULL; ++d) {
        if (d->d_tag == DT_TEXTREL ||
            (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL) != 0)) {
          return -ENOTSUP;
        }
      }
    }
  }
  int count = 0;
  const auto add = [&](uintptr_t start, uintptr_t end, uint64_t offset,
                       int prot, bool dirty) {
    if (start >= end) return true;
    if (count == kMaxExeMappings) return false;
    out[count++] = ExeMapping{start, end, offset, prot, dirty};
    return true;
  };
  for (size_t i = 0; i < phnum; ++i) {
    const ElfW(Phdr)& ph = phdr[i];
    if (ph.p_type != PT_LOAD || ph.p_filesz == 0) continue;
    const uintptr_t start = page_start(bias + ph.p_vaddr);
    const uintptr_t end = page_end(bias + ph.p_vaddr + ph.p_filesz);
    const uint64_t offset = page_start(ph.p_offset);
    const int prot = SegmentProt(ph.p_flags);
    if ((ph.p_flags & PF_W) == 0) {
      if (!add(start, end, offset, prot, false)) return -E2BIG;
      continue;
    }
    // Writable: [start, relro) rw, [relro) r, [relro end, end) rw.
    const uintptr_t r0 = relro_start < start ? start : relro_start;
    const uintptr_t r1 = relro_end > end ? end : relro_end;
    if (r0 < r1) {
      if (!add(start, r0, offset, prot, true) ||
          !add(r0, r1, offset + (r0 - start), prot & ~PROT_WRITE, true) ||
          !add(r1, end, offset + (r1 - start), prot, true)) {
        return -E2BIG;
      }
    } else if (!add(start, end, offset, prot, true)) {
      return -E2BIG;
    }
  }
  // Segments sharing a page would need one mapping with two contents.
  for (int i = 0; i < count; ++i) {
    for (int j = i + 1; j < count; ++j) {
      if (out[i].start < out[j].end && out[j].start < out[i].end) {
        return -ENOTSUP;
      }
    }
  }
  return count;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NSBOOT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NSBOOT_ASAN 1
#endif

// Copies a whole mapping. Under AddressSanitizer the mapping holds the
// redzones between globals, which memcpy's interceptor reports: copy word
// by word, uninstrumented.
#ifdef NSBOOT_ASAN
__attribute__((no_sanitize("address"))) void CopyMapping(void* dst,
                                                         const void* src,
                                                         size_t len) {
  auto* d = static_cast<volatile uint64_t*>(dst);
  const auto* from = static_cast<const volatile uint64_t*>(src);
  for (size_t i = 0; i < len / sizeof(uint64_t); ++i) d[i] = from[i];
}
#else
void CopyMapping(void* dst, const void* src, size_t len) {
  memcpy(dst, src, len);
}
#endif

// Replaces the mapping with an anonymous copy of its content, atomically
// (mremap over it), so nothing changes for the code that uses it.
int ReplaceWithCopy(const ExeMapping& m) {
  const size_t len = m.end - m.start;
  void* where = reinterpret_cast<void*>(m.start);
  if ((m.prot & PROT_READ) == 0) {  // nothing to keep (a PROT_NONE gap)
    return mmap(where, len, m.prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                -1, 0) == MAP_FAILED
               ? NegErrno()
               : 0;
  }
  void* copy = mmap(nullptr, len, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (copy == MAP_FAILED) return NegErrno();
  CopyMapping(copy, where, len);
  if (mprotect(copy, len, m.prot) != 0 ||
      mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, where) ==
          MAP_FAILED) {
    int err = NegErrno();
    munmap(copy, len);
    return err;
  }
  return 0;
}

// Is `sealed` a copy of the running binary `exe` made by `method`? A bind
// clone is the same inode; an overlayfs shows the lower file's inode number
// on its own device (it is built from the binary's directory, which may
// hold a newer binary by now); a memfd copy was just made from `exe`.
bool IsCopyOf(const struct stat& sealed, const struct stat& exe,
              SealMethod method) {
  if (sealed.st_size != exe.st_size) return false;
  switch (method) {
    case SealMethod::kBindClone:
      return sealed.st_dev == exe.st_dev && sealed.st_ino == exe.st_ino;
    case SealMethod::kOverlayfs:
      return sealed.st_ino == exe.st_ino &&
             sealed.st_mtim.tv_sec == exe.st_mtim.tv_sec &&
             sealed.st_mtim.tv_nsec == exe.st_mtim.tv_nsec &&
             sealed.st_ctim.tv_sec == exe.st_ctim.tv_sec &&
             sealed.st_ctim.tv_nsec == exe.st_ctim.tv_nsec;
    case SealMethod::kMemfd:
      return true;
    default:
      return false;
  }
}

// Whether the program whose headers are in memory (AT_PHDR, the one whose
// segments get replaced) is the file `fd`: its ELF program header table
// must be the same bytes. It is not when the binary was started through
// the dynamic loader ("ld.so ./prog": /proc/self/exe is ld.so).
bool IsRunningProgram(int fd) {
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(getauxval(AT_PHDR));
  const size_t phnum = getauxval(AT_PHNUM);
  if (phdr == nullptr || phnum == 0 || phnum > 64) return false;
  ElfW(Ehdr) ehdr;
  if (pread(fd, &ehdr, sizeof(ehdr), 0) != static_cast<ssize_t>(sizeof(ehdr)) ||
      memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0 || ehdr.e_phnum != phnum ||
      ehdr.e_phentsize != sizeof(ElfW(Phdr))) {
    return false;
  }
  ElfW(Phdr) file[64];
  const size_t bytes = phnum * sizeof(ElfW(Phdr));
  return pread(fd, file, bytes, static_cast<off_t>(ehdr.e_phoff)) ==
             static_cast<ssize_t>(bytes) &&
         memcmp(file, phdr, bytes) == 0;
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
      return OpenOverlayCopy(nullptr);
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

int AdoptSealedCopy(int sealed_fd, SealMethod method) {
  struct stat exe, sealed;
  if (stat("/proc/self/exe", &exe) != 0 || fstat(sealed_fd, &sealed) != 0) {
    return NegErrno();
  }
  if (!IsCopyOf(sealed, exe, method)) return -ESTALE;
  if (!IsRunningProgram(sealed_fd)) return -ENOEXEC;
  ExeMapping mappings[kMaxExeMappings];
  const int count = FindExeMappings(mappings);
  if (count < 0) return count;
  if (count == 0) return -ENOENT;

  // Ask first, with everything still in place: the kernel checks the
  // privilege (EPERM) before it finds the binary still mapped (EBUSY).
  struct prctl_mm_map map;
  int err = ReadMmMap(&map);
  if (err != 0) return err;
  map.exe_fd = static_cast<uint32_t>(sealed_fd);
  if (prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof(map), 0) == 0) return 0;
  if (errno != EBUSY) return NegErrno();

  // From here on every step keeps the process's memory as it was, so a
  // failure part way leaves a process that runs as before (and re-executes).
  // No signal handler may write the data between its copy and the swap.
  sigset_t all, old_mask;
  sigfillset(&all);
  if (sigprocmask(SIG_SETMASK, &all, &old_mask) != 0) return NegErrno();
  for (int i = 0; i < count; ++i) {
    const ExeMapping& m = mappings[i];
    if (m.dirty) {
      err = ReplaceWithCopy(m);
    } else if (mmap(reinterpret_cast<void*>(m.start), m.end - m.start, m.prot,
                    MAP_PRIVATE | MAP_FIXED, sealed_fd,
                    static_cast<off_t>(m.offset)) == MAP_FAILED) {
      err = NegErrno();
    }
    if (err != 0) break;
  }
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (err != 0) return err;
  return prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof(map), 0) == 0
             ? 0
             : NegErrno();
}

int SealInPlace(SealMethod method, int* mount_fd) {
  *mount_fd = -1;
  // The copy's detached mount: closing its fd dissolves the mount's
  // anonymous namespace, which waits for an RCU grace period (~50-70 us on
  // the benchmark VM). The caller closes it off its critical path; the
  // mount itself lives as long as something runs from it.
  int mnt = -1;
  int fd;
  switch (method) {
    case SealMethod::kOverlayfs:
      fd = OpenOverlayCopy(&mnt);
      break;
    case SealMethod::kBindClone: {
      // An O_PATH fd of the clone's root, the file itself: mmap and
      // PR_SET_MM_MAP need it readable.
      mnt = OpenBindClone();
      if (mnt < 0) return mnt;
      char path[32];
      snprintf(path, sizeof(path), "/proc/self/fd/%d", mnt);
      fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) fd = NegErrno();
      break;
    }
    case SealMethod::kMemfd:
      fd = OpenMemfdCopy();
      break;
    default:
      return -EINVAL;
  }
  Fd mount(mnt);
  if (fd < 0) return fd;
  Fd copy(fd);
  const int err = AdoptSealedCopy(copy.get(), method);
  if (err == 0) *mount_fd = mount.release();
  return err;
}

}  // namespace embed
}  // namespace nsboot
