#include "executor/proc_joins.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <string>

#include "common/decimal.h"
#include "executor/plan.h"
#include "executor/sys.h"

namespace nsboot {
namespace executor {
namespace {

// The pid spelled at `s` (canonical decimal, at most INT32_MAX); 0 if there
// is none (or it is 0). `*end` gets where the digits stop.
int32_t ParsePid(const char* s, const char** end) {
  uint64_t pid;
  if (!ParseCanonicalDecimal(s, INT32_MAX, end, &pid)) return 0;
  return static_cast<int32_t>(pid);
}

// "N" of "/proc/N/ns/NAME" when NAME is `name`; 0 if `path` is not that.
int32_t ProcPidOf(const std::string& path, const char* name) {
  constexpr char kPrefix[] = "/proc/";
  constexpr size_t kPrefixLen = sizeof(kPrefix) - 1;
  if (path.compare(0, kPrefixLen, kPrefix) != 0) return 0;
  const char* end;
  const int32_t pid = ParsePid(path.c_str() + kPrefixLen, &end);
  if (pid == 0) return 0;
  const size_t i = static_cast<size_t>(end - path.c_str());
  if (path.size() < i + 4 || path.compare(i, 4, "/ns/") != 0) return 0;
  if (path.compare(i + 4, std::string::npos, name) != 0) return 0;
  return pid;
}

}  // namespace

int32_t CommonProcPid(const v1::plain::BootstrapRequest& request) {
  if (request.join_namespaces.size() < 2) return 0;
  int32_t common = 0;
  for (const v1::plain::NamespaceJoin& join : request.join_namespaces) {
    if (join.target != v1::plain::NamespaceJoin::Target::kPath) return 0;
    const int32_t pid = ProcPidOf(join.path, NamespaceName(join.type));
    if (pid == 0 || (common != 0 && pid != common)) return 0;
    common = pid;
  }
  return common;
}

bool ProcNamesSameProcess(int32_t pid) {
  struct statfs fs;
  if (statfs("/proc", &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC) return false;
  // The usual case, cheaply: in the initial pid namespace (its inode number
  // is fixed, PROC_PID_INIT_INO), which no other namespace's /proc can show,
  // a /proc that shows this process is the initial namespace's own.
  constexpr char kInitPidNs[] = "pid:[4026531836]";
  char link[32];
  const ssize_t n = readlink("/proc/self/ns/pid", link, sizeof(link));
  if (n == sizeof(kInitPidNs) - 1 && memcmp(link, kInitPidNs, n) == 0) {
    // Like the paths, a process that is gone keeps them.
    return kill(pid, 0) == 0 || errno == EPERM;
  }
  const int pidfd = sys::PidfdOpen(pid);
  if (pidfd < 0) return false;
  // A pidfd's fdinfo gives its process's pid as numbered by the pid
  // namespace of the /proc it is read through (0 if that namespace cannot
  // see it): the number "/proc/N" goes by.
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  char buf[512];
  ssize_t len = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
  if (fd >= 0) close(fd);
  close(pidfd);
  if (len <= 0) return false;
  buf[len] = '\0';
  const char* line = strstr(buf, "\nPid:\t");
  if (line == nullptr) return false;
  const char* end;
  return ParsePid(line + 6, &end) == pid && *end == '\n';
}

bool JoinProcPathsByPid(v1::plain::BootstrapRequest* request) {
  const int32_t pid = CommonProcPid(*request);
  if (pid == 0 || !ProcNamesSameProcess(pid)) return false;
  for (v1::plain::NamespaceJoin& join : request->join_namespaces) {
    join.target = v1::plain::NamespaceJoin::Target::kPid;
    join.path.clear();
    join.pid = pid;
  }
  return true;
}

}  // namespace executor
}  // namespace nsboot
