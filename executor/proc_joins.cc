#include "executor/proc_joins.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <string>

#include "executor/plan.h"

namespace nsboot {
namespace executor {
namespace {

// "N" of "/proc/N/ns/NAME" when NAME is `name`; 0 if `path` is not that.
int32_t ProcPidOf(const std::string& path, const char* name) {
  constexpr char kPrefix[] = "/proc/";
  constexpr size_t kPrefixLen = sizeof(kPrefix) - 1;
  if (path.compare(0, kPrefixLen, kPrefix) != 0) return 0;
  size_t i = kPrefixLen;
  int64_t pid = 0;
  if (i >= path.size() || path[i] < '1' || path[i] > '9') return 0;
  for (; i < path.size() && path[i] >= '0' && path[i] <= '9'; ++i) {
    pid = pid * 10 + (path[i] - '0');
    if (pid > INT32_MAX) return 0;
  }
  if (path.size() < i + 4 || path.compare(i, 4, "/ns/") != 0) return 0;
  if (path.compare(i + 4, std::string::npos, name) != 0) return 0;
  return static_cast<int32_t>(pid);
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

bool ProcIsOwnPidNamespace() {
  struct statfs fs;
  if (statfs("/proc", &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC) return false;
  // NSpid lists this task's pid in every pid namespace from the one /proc
  // was mounted for down to its own: one number means they are the same.
  // (/proc/self cannot tell: it resolves in the mount's namespace too.)
  const int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[4096];
  size_t len = 0;
  for (;;) {
    const ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
    if (len == sizeof(buf) - 1) break;
  }
  close(fd);
  buf[len] = '\0';
  const char* line = strstr(buf, "\nNSpid:\t");
  if (line == nullptr) return false;
  const char* p = line + 8;
  if (*p < '1' || *p > '9') return false;
  while (*p >= '0' && *p <= '9') ++p;
  return *p == '\n';  // a second number would follow a tab
}

bool JoinProcPathsByPid(v1::plain::BootstrapRequest* request) {
  const int32_t pid = CommonProcPid(*request);
  if (pid == 0 || !ProcIsOwnPidNamespace()) return false;
  for (v1::plain::NamespaceJoin& join : request->join_namespaces) {
    join.target = v1::plain::NamespaceJoin::Target::kPid;
    join.path.clear();
    join.pid = pid;
  }
  return true;
}

}  // namespace executor
}  // namespace nsboot
