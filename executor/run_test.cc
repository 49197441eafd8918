// Real runs against the kernel, as root.
//
// Process layout of one scenario (RunScenario):
//
//   test process T
//     └─ host H          (fork; PR_SET_CHILD_SUBREAPER; plays runc's parent)
//          ├─ stage 0 S0  (fork; calls Run with the scenario's plan)
//          ├─ stage 1     (clone3 CLONE_PARENT from S0: a child of H)
//          └─ stage 2     (clone3 CLONE_PARENT from stage 1: a child of H)
//
// A two-process plan (native; Outcome::processes == 2) has no stage 1:
// stage 2 is cloned by S0.
//
// S0 gives Run a stack and a resume point (RunOptions::resume), as the
// pre-main hook does, so a final process that FinalSharesMemory allows
// shares S0's memory and comes back in Stage0MainOrResume; a scenario can
// ask for a copy instead (Scenario::final_is_a_copy).
//
// H reads the replies (native frames as SOCK_SEQPACKET records with pidfds
// attached, or runc's bytes), collects a report that S0 and the final process
// write on a report pipe, reaps every child until ECHILD (orphans come to H
// as the subreaper), and sends everything to T. Targets of joins are
// children of T, so they never disturb H's accounting.
#include "executor/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_matchers.h"
#include "common/thread_record.h"
#include "executor/plan.h"
#include "executor/runc_replies.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace executor {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kNsNames[] = {"mnt", "uts",    "ipc", "user",
                                    "pid", "net", "cgroup", "time"};

int64_t NowUs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);  // not affected by time namespaces
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

std::set<int> ListFds() {
  std::set<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return fds;
  const int self = dirfd(dir);
  while (struct dirent* e = readdir(dir)) {
    int fd;
    if (absl::SimpleAtoi(e->d_name, &fd) && fd != self) fds.insert(fd);
  }
  closedir(dir);
  return fds;
}

std::string ReadFileOr(const std::string& path, const std::string& fallback) {
  std::ifstream in(path);
  if (!in) return fallback;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Flat(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  std::replace(s.begin(), s.end(), '\n', '|');
  return s;
}

// Runs of spaces collapsed to one: /proc's tables are column-aligned.
std::string Squash(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '|')) {
      continue;
    }
    if (c == '|' && !out.empty() && out.back() == ' ') out.pop_back();
    out.push_back(c);
  }
  return out;
}

bool HaveCapability(int cap) {
  const std::string status = ReadFileOr("/proc/self/status", "");
  const size_t at = status.find("CapEff:\t");
  if (at == std::string::npos) return false;
  const uint64_t eff = std::stoull(status.substr(at + 8, 16), nullptr, 16);
  return (eff >> cap) & 1;
}

uint64_t Inode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

uint64_t HostNs(const char* name) {
  return Inode(absl::StrCat("/proc/self/ns/", name));
}

std::string Readlink(const std::string& path) {
  char buf[512];
  const ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
  if (n < 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

v1::BootstrapRequest Request(const std::string& text) {
  v1::BootstrapRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request))
      << text;
  return request;
}

// ---------------------------------------------------------------------------
// A process holding namespaces to join: P unshares `flags` (T writes the
// maps of a new user namespace), then forks Q, which is inside all of them
// (pid and time namespaces included) and waits to be killed.

class Target {
 public:
  explicit Target(int flags) {
    int ready[2], go[2];
    EXPECT_EQ(pipe2(ready, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(go, O_CLOEXEC), 0);
    fflush(nullptr);
    outer_ = fork();
    if (outer_ == 0) {
      close(ready[0]);
      close(go[1]);
      if (unshare(flags) != 0) _exit(10);
      char c = 'u';
      if (write(ready[1], &c, 1) != 1) _exit(11);
      if (read(go[0], &c, 1) != 1) _exit(12);
      const pid_t inner = fork();
      if (inner == 0) {
        for (;;) pause();
      }
      if (write(ready[1], &inner, sizeof(inner)) != sizeof(inner)) _exit(13);
      int status;
      waitpid(inner, &status, 0);
      _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    EXPECT_EQ(read(ready[0], &c, 1), 1) << "target could not unshare";
    if (flags & CLONE_NEWUSER) {
      EXPECT_TRUE(WriteProc("uid_map", "0 100000 65536\n"));
      EXPECT_TRUE(WriteProc("gid_map", "0 100000 65536\n"));
    }
    EXPECT_EQ(write(go[1], "g", 1), 1);
    EXPECT_EQ(read(ready[0], &pid_, sizeof(pid_)),
              static_cast<ssize_t>(sizeof(pid_)));
    close(ready[0]);
    close(go[1]);
  }

  ~Target() {
    if (pid_ > 0) kill(pid_, SIGKILL);
    if (outer_ > 0) {
      int status;
      waitpid(outer_, &status, 0);
    }
  }

  pid_t pid() const { return pid_; }
  std::string Path(const char* ns) const {
    return absl::StrCat("/proc/", pid_, "/ns/", ns);
  }
  uint64_t Ns(const char* ns) const { return Inode(Path(ns)); }

 private:
  bool WriteProc(const char* file, const std::string& text) {
    const int fd = open(absl::StrCat("/proc/", outer_, "/", file).c_str(),
                        O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = write(fd, text.data(), text.size()) ==
                    static_cast<ssize_t>(text.size());
    close(fd);
    return ok;
  }

  pid_t outer_ = -1;
  pid_t pid_ = -1;
};

// ---------------------------------------------------------------------------
// The scenario harness.

struct Scenario {
  v1::BootstrapRequest request;
  PlanOptions plan_options;
  RunOptions run_options;
  // Runs in S0 before Run (as root); may drop privileges.
  std::function<void()> stage0_setup;
  // Edits the plan S0 runs (a step that fails where no request can make
  // one fail).
  std::function<void(Plan*)> edit_plan;
  // Native sink: SIGKILL stage 1 (1) or stage 2 (2) right after sending Pids.
  int kill_after_pids = 0;
  // H closes its end of the init pipe after the first reply.
  bool host_closes_after_ready = false;
  // Put the report pipe at this fd number without O_CLOEXEC (exec tests).
  int report_fd_number = -1;
  // S0 gives Run no stack and no resume point: the final process is a
  // fork whatever the plan.
  bool final_is_a_copy = false;
};

struct Outcome {
  std::vector<v1::BootstrapReply> replies;
  int pidfds_received = 0;  // attached fds that were pidfds
  int other_fds_received = 0;
  std::string init_bytes;  // runc protocols
  std::string log_bytes;
  std::map<std::string, std::string> report;
  int stage0_status = -1;
  std::map<int, int> statuses;  // every child H reaped: pid -> wait status
  bool timed_out = false;
  bool host_fds_same = false;
  std::string raw_report;
  int processes = 0;  // of the scenario's plan: 2 or 3 (0: no plan)
  bool final_shares_memory = false;  // FinalSharesMemory for that plan

  const v1::Error* error() const {
    for (const auto& r : replies) {
      if (r.has_error()) return &r.error();
    }
    return nullptr;
  }
  const v1::Pids* pids() const {
    for (const auto& r : replies) {
      if (r.has_pids()) return &r.pids();
    }
    return nullptr;
  }
  int errors() const {
    int n = 0;
    for (const auto& r : replies) n += r.has_error();
    return n;
  }
  std::string Get(const std::string& key) const {
    auto it = report.find(key);
    return it == report.end() ? "<missing " + key + ">" : it->second;
  }
  uint64_t FinalNs(const char* name) const {
    uint64_t v = 0;
    (void)absl::SimpleAtoi(Get(absl::StrCat("final.ns.", name)), &v);
    return v;
  }
  bool AllExitedZero() const {
    for (const auto& [pid, status] : statuses) {
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
    }
    return !statuses.empty();
  }
  std::string StatusText() const {
    std::vector<std::string> parts;
    for (const auto& [pid, status] : statuses) {
      parts.push_back(absl::StrCat(
          pid, WIFEXITED(status) ? ":exit" : ":signal",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status)));
    }
    return absl::StrJoin(parts, " ");
  }
};

// Sends each reply as one SOCK_SEQPACKET record: the serialized message
// (v1::ToProto of the plain reply), with the attached fds as SCM_RIGHTS.
class TestNativeSink : public ReplySink {
 public:
  TestNativeSink(int fd, int kill_after_pids, bool await_hangup_after_ready)
      : fd_(fd),
        kill_after_pids_(kill_after_pids),
        await_hangup_after_ready_(await_hangup_after_ready) {}

  Status Send(const v1::plain::BootstrapReply& plain,
              const Attachments& attachments) override {
    const v1::BootstrapReply reply = v1::ToProto(plain);
    std::string bytes = reply.SerializeAsString();
    struct iovec iov = {&bytes[0], bytes.size()};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
    if (!attachments.fds.empty()) {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * attachments.fds.size());
      struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN(sizeof(int) * attachments.fds.size());
      memcpy(CMSG_DATA(cmsg), attachments.fds.data(),
             sizeof(int) * attachments.fds.size());
    }
    if (sendmsg(fd_, &msg, MSG_NOSIGNAL) < 0) {
      return ErrnoToStatus(errno, "sendmsg");
    }
    // kill(0) would signal the process group: only real pids.
    if (reply.has_pids() && kill_after_pids_ == 1 &&
        reply.pids().stage1_pid() > 0) {
      kill(reply.pids().stage1_pid(), SIGKILL);
    }
    if (reply.has_pids() && kill_after_pids_ == 2 &&
        reply.pids().stage2_pid() > 0) {
      kill(reply.pids().stage2_pid(), SIGKILL);
    }
    if (reply.has_ready() && await_hangup_after_ready_) {
      // The host closes after Ready: make sure it has before going on, or
      // a fast stage 0 has queued the Pids already.
      struct pollfd pfd = {fd_, POLLRDHUP, 0};
      poll(&pfd, 1, 10000);
    }
    return OkStatus();
  }

 private:
  int fd_;
  int kill_after_pids_;
  bool await_hangup_after_ready_;
};

std::string FinalReport(const std::set<int>& fds_before, int64_t start_us,
                        bool resumed) {
  std::vector<std::string> lines;
  auto add = [&](const std::string& k, const std::string& v) {
    lines.push_back(absl::StrCat("final.", k, "=", v));
  };
  const int64_t elapsed = NowUs() - start_us;
  add("resumed", resumed ? "1" : "0");
  char tid_buf[64];
  add("rseq", nsboot_rseq_state());
  add("tcb_tid", nsboot_tcb_tid_state(tid_buf, sizeof(tid_buf)));
  add("robust_list", nsboot_robust_list_state());
  add("pid", absl::StrCat(getpid()));
  add("ppid", absl::StrCat(getppid()));
  add("sid_is_self", getsid(0) == getpid() ? "1" : "0");
  add("comm", Flat(ReadFileOr("/proc/self/comm", "")));
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  getresuid(&ru, &eu, &su);
  getresgid(&rg, &eg, &sg);
  add("uid", absl::StrCat(ru, ",", eu, ",", su));
  add("gid", absl::StrCat(rg, ",", eg, ",", sg));
  // An invalid id changes nothing and returns the current one.
  add("fsid", absl::StrCat(setfsuid(static_cast<uid_t>(-1)), ",",
                           setfsgid(static_cast<gid_t>(-1))));
  add("groups", absl::StrCat(getgroups(0, nullptr)));
  for (const char* ns : kNsNames) {
    add(absl::StrCat("ns.", ns), absl::StrCat(HostNs(ns)));
  }
  add("setgroups", Flat(ReadFileOr("/proc/self/setgroups", "?")));
  add("uid_map", Flat(ReadFileOr("/proc/self/uid_map", "?")));
  add("gid_map", Flat(ReadFileOr("/proc/self/gid_map", "?")));
  add("timens_offsets", Flat(ReadFileOr("/proc/self/timens_offsets", "?")));
  add("oom_score_adj", Flat(ReadFileOr("/proc/self/oom_score_adj", "?")));
  add("dumpable", absl::StrCat(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)));
  const std::set<int> fds = ListFds();
  add("fds", absl::StrJoin(fds, ","));
  add("fds_before", absl::StrJoin(fds_before, ","));
  for (int fd : fds) {
    if (fds_before.count(fd) == 0) {
      add(absl::StrCat("newfd.", fd), Readlink(absl::StrCat("/proc/self/fd/", fd)));
    }
  }
  add("elapsed_us", absl::StrCat(elapsed));
  return absl::StrJoin(lines, "\n") + "\n";
}

// What a final process that shared S0's memory needs once it is back
// (Stage0MainOrResume): set by S0 before Run, never changed after, and off
// S0's stack, which the final process's own calls overwrite.
struct FinalResume {
  const std::set<int>* fds_before = nullptr;
  int64_t start_us = 0;
  int report_fd = -1;
  pid_t s0 = 0;
};
FinalResume g_final_resume;
void* g_resume_buf[5];
alignas(16) char g_final_stack[64 << 10];

[[noreturn]] void ResumeFinal() { __builtin_longjmp(g_resume_buf, 1); }

// The RunOptions S0 passes to Run.
RunOptions OptionsFor(const Scenario& sc) {
  RunOptions run_options = sc.run_options;
  if (!sc.final_is_a_copy) {
    run_options.final_stack = g_final_stack;
    run_options.final_stack_size = sizeof(g_final_stack);
    run_options.resume = &ResumeFinal;
  }
  return run_options;
}

[[noreturn]] void Stage0Main(const Scenario& sc, int init_fd, int log_fd,
                             int report_fd) {
  if (sc.stage0_setup) sc.stage0_setup();
  if (sc.report_fd_number >= 0) {
    if (dup2(report_fd, sc.report_fd_number) < 0) _exit(3);
    close(report_fd);
    report_fd = sc.report_fd_number;
  }
  const std::set<int> fds_before = ListFds();
  absl::StatusOr<Plan> plan = MakePlan(sc.request, sc.plan_options);
  if (!plan.ok()) {
    WriteAll(report_fd, absl::StrCat("s0.plan_error=",
                                     Flat(plan.status().ToString()), "\n"));
    _exit(2);
  }
  if (sc.edit_plan) sc.edit_plan(&*plan);
  std::unique_ptr<ReplySink> sink;
  if (sc.plan_options.protocol == ReplyProtocol::kNative) {
    sink = std::make_unique<TestNativeSink>(init_fd, sc.kill_after_pids,
                                            sc.host_closes_after_ready);
  } else {
    sink = std::make_unique<RuncReplySink>(init_fd, log_fd);
  }
  const RunOptions run_options = OptionsFor(sc);
  const int64_t start = NowUs();
  g_final_resume.fds_before = new std::set<int>(fds_before);
  g_final_resume.start_us = start;
  g_final_resume.report_fd = report_fd;
  g_final_resume.s0 = getpid();
  absl::StatusOr<RunOutcome> outcome = Run(*plan, run_options, *sink);
  const int64_t elapsed = NowUs() - start;
  if (outcome.ok() && *outcome == RunOutcome::kFinalProcess) {
    WriteAll(report_fd, FinalReport(fds_before, start, /*resumed=*/false));
    _exit(0);
  }
  const bool fds_same = ListFds() == fds_before;
  // A caller whose children the stages are waits for them, as nsboot run
  // does (the final process reports its parent before this exits).
  int reaped = 0;
  if (sc.run_options.stages_are_callers_children) {
    for (;;) {
      const pid_t pid = waitpid(-1, nullptr, __WALL);
      if (pid > 0) {
        ++reaped;
      } else if (errno != EINTR) {
        break;
      }
    }
  }
  WriteAll(report_fd,
           absl::StrCat("s0.status=",
                        outcome.ok() ? "done" : Flat(outcome.status().ToString()),
                        "\ns0.fds_same=", fds_same ? 1 : 0,
                        "\ns0.pid=", getpid(), "\ns0.reaped=", reaped,
                        "\ns0.elapsed_us=", elapsed, "\n"));
  _exit(outcome.ok() ? 0 : 1);
}

// S0's entry: Stage0Main, which never returns (S0 leaves through _exit, so
// this frame stays as it was), or a final process that shared S0's memory,
// back here from ResumeFinal once S0 has exited.
[[noreturn]] __attribute__((noinline)) void Stage0MainOrResume(
    const Scenario& sc, int init_fd, int log_fd, int report_fd) {
  if (__builtin_setjmp(g_resume_buf) != 0) {
    const FinalResume& r = g_final_resume;
    // S0 has let go of the memory by now: it may still be on its way out
    // of the kernel (state R), but it has no memory of its own any more (no
    // Vm lines in its status), or it is a zombie, or reaped.
    const std::string status =
        ReadFileOr(absl::StrCat("/proc/", r.s0, "/status"), "");
    const char* s0_memory = "gone";
    if (!status.empty()) {
      s0_memory = absl::StrContains(status, "\nVmSize:") ? "present" : "none";
    }
    WriteAll(r.report_fd,
             FinalReport(*r.fds_before, r.start_us, /*resumed=*/true) +
                 absl::StrCat("final.s0_memory=", s0_memory, "\n"));
    _exit(0);
  }
  Stage0Main(sc, init_fd, log_fd, report_fd);
}

// Kills whatever children H still has (found through /proc).
void KillMyChildren() {
  const pid_t self = getpid();
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return;
  while (struct dirent* e = readdir(dir)) {
    int pid;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    const std::string stat = ReadFileOr(absl::StrCat("/proc/", pid, "/stat"), "");
    const size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::vector<std::string> fields =
        absl::StrSplit(stat.substr(close_paren + 2), ' ');
    int ppid;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) && ppid == self) {
      kill(pid, SIGKILL);
    }
  }
  closedir(dir);
}

void PutRecord(std::string* out, char tag, const std::string& data) {
  const uint32_t len = static_cast<uint32_t>(data.size());
  out->push_back(tag);
  out->append(reinterpret_cast<const char*>(&len), sizeof(len));
  out->append(data);
}

[[noreturn]] void HostMain(const Scenario& sc, int result_fd) {
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  const std::set<int> host_fds_before = ListFds();
  const bool native = sc.plan_options.protocol == ReplyProtocol::kNative;
  int init[2], log[2] = {-1, -1}, report[2];
  if (socketpair(AF_UNIX, (native ? SOCK_SEQPACKET : SOCK_STREAM) | SOCK_CLOEXEC,
                 0, init) != 0 ||
      pipe2(report, O_CLOEXEC) != 0 || (!native && pipe2(log, O_CLOEXEC) != 0)) {
    _exit(20);
  }
  fflush(nullptr);
  const pid_t s0 = fork();
  if (s0 == 0) {
    close(init[0]);
    if (log[0] >= 0) close(log[0]);
    close(report[0]);
    Stage0MainOrResume(sc, init[1], log[1], report[1]);
  }
  close(init[1]);
  if (log[1] >= 0) close(log[1]);
  close(report[1]);

  std::string out;
  std::string log_bytes, init_bytes, report_bytes;
  int replies = 0;
  bool timed_out = false;
  const int64_t deadline = NowUs() + 20 * 1000000;
  int open_fds[3] = {init[0], log[0], report[0]};
  for (;;) {
    struct pollfd pfds[3];
    int n = 0;
    int which[3];
    for (int i = 0; i < 3; ++i) {
      if (open_fds[i] >= 0) {
        pfds[n] = {open_fds[i], POLLIN, 0};
        which[n++] = i;
      }
    }
    if (n == 0) break;
    const int64_t left_ms = (deadline - NowUs()) / 1000;
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    const int rc = poll(pfds, n, static_cast<int>(left_ms));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    for (int k = 0; k < n; ++k) {
      if (pfds[k].revents == 0) continue;
      const int i = which[k];
      char buf[65536];
      ssize_t got;
      if (i == 0 && native) {
        struct iovec iov = {buf, sizeof(buf)};
        alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
        struct msghdr msg = {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        got = recvmsg(open_fds[i], &msg, MSG_CMSG_CLOEXEC);
        if (got > 0) {
          PutRecord(&out, 'R', std::string(buf, static_cast<size_t>(got)));
          ++replies;
          for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
               c = CMSG_NXTHDR(&msg, c)) {
            const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t j = 0; j < count; ++j) {
              int fd;
              memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof(int));
              const std::string link = Readlink(absl::StrCat("/proc/self/fd/", fd));
              PutRecord(&out, link == "anon_inode:[pidfd]" ? 'p' : 'o', link);
              close(fd);
            }
          }
        }
      } else {
        got = read(open_fds[i], buf, sizeof(buf));
        if (got > 0) {
          std::string* dst = i == 0 ? &init_bytes : i == 1 ? &log_bytes
                                                          : &report_bytes;
          dst->append(buf, static_cast<size_t>(got));
          if (i == 0) ++replies;
        }
      }
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        close(open_fds[i]);
        open_fds[i] = -1;
      }
      if (i == 0 && sc.host_closes_after_ready && replies > 0 &&
          open_fds[0] >= 0) {
        close(open_fds[0]);
        open_fds[0] = -1;
      }
    }
  }
  if (timed_out) KillMyChildren();
  for (int& fd : open_fds) {
    if (fd >= 0) close(fd);
  }

  // Reap everything: stage 0, the CLONE_PARENT stages, and any orphan.
  std::string statuses;
  int stage0_status = -1;
  const int64_t reap_deadline = NowUs() + 10 * 1000000;
  bool killed = false;
  for (;;) {
    int status;
    const pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);
    if (pid > 0) {
      absl::StrAppend(&statuses, pid, ":", status, ";");
      if (pid == s0) stage0_status = status;
      continue;
    }
    if (pid < 0 && errno == ECHILD) break;
    if (!killed && NowUs() > reap_deadline) {
      timed_out = true;
      killed = true;
      KillMyChildren();
    }
    usleep(2000);
  }
  PutRecord(&out, 'I', init_bytes);
  PutRecord(&out, 'L', log_bytes);
  PutRecord(&out, 'P', report_bytes);
  PutRecord(&out, 'S', absl::StrCat(stage0_status));
  PutRecord(&out, 'C', statuses);
  PutRecord(&out, 'T', timed_out ? "1" : "0");
  PutRecord(&out, 'F', ListFds() == host_fds_before ? "1" : "0");
  WriteAll(result_fd, out);
  _exit(0);
}

Outcome RunScenario(const Scenario& sc) {
  Outcome outcome;
  const absl::StatusOr<Plan> plan = MakePlan(sc.request, sc.plan_options);
  if (plan.ok()) {
    outcome.processes = plan->processes;
    outcome.final_shares_memory = FinalSharesMemory(*plan, OptionsFor(sc));
  }
  int result[2];
  EXPECT_EQ(pipe2(result, O_CLOEXEC), 0);
  fflush(nullptr);
  const pid_t host = fork();
  if (host == 0) {
    close(result[0]);
    HostMain(sc, result[1]);
  }
  close(result[1]);
  std::string bytes;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(result[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  close(result[0]);
  int status;
  waitpid(host, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "host exited with " << status;

  size_t pos = 0;
  while (pos + 5 <= bytes.size()) {
    const char tag = bytes[pos];
    uint32_t len;
    memcpy(&len, bytes.data() + pos + 1, sizeof(len));
    const std::string data = bytes.substr(pos + 5, len);
    pos += 5 + len;
    switch (tag) {
      case 'R':
        if (sc.plan_options.protocol == ReplyProtocol::kNative) {
          v1::BootstrapReply reply;
          EXPECT_TRUE(reply.ParseFromString(data));
          outcome.replies.push_back(reply);
        }
        break;
      case 'p': ++outcome.pidfds_received; break;
      case 'o': ++outcome.other_fds_received; break;
      case 'I': outcome.init_bytes = data; break;
      case 'L': outcome.log_bytes = data; break;
      case 'P': {
        outcome.raw_report = data;
        for (absl::string_view line : absl::StrSplit(data, '\n')) {
          const size_t eq = line.find('=');
          if (eq == absl::string_view::npos) continue;
          outcome.report[std::string(line.substr(0, eq))] =
              std::string(line.substr(eq + 1));
        }
        break;
      }
      case 'S': (void)absl::SimpleAtoi(data, &outcome.stage0_status); break;
      case 'C':
        for (absl::string_view item : absl::StrSplit(data, ';', absl::SkipEmpty())) {
          std::vector<std::string> kv = absl::StrSplit(item, ':');
          int pid = 0, st = 0;
          if (kv.size() == 2 && absl::SimpleAtoi(kv[0], &pid) &&
              absl::SimpleAtoi(kv[1], &st)) {
            outcome.statuses[pid] = st;
          }
        }
        break;
      case 'T': outcome.timed_out = data == "1"; break;
      case 'F': outcome.host_fds_same = data == "1"; break;
    }
  }
  return outcome;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: creates and joins namespaces for real";
    }
  }

  // The checks every successful run must pass.
  static void ExpectCleanSuccess(const Outcome& o) {
    EXPECT_FALSE(o.timed_out);
    EXPECT_EQ(o.errors(), 0) << (o.error() ? o.error()->DebugString() : "");
    EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report;
    EXPECT_EQ(o.Get("s0.fds_same"), "1");
    EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
    // S0 and the stages: 1 and 2, or only 2.
    EXPECT_EQ(o.statuses.size(), static_cast<size_t>(o.processes))
        << o.StatusText();
    ASSERT_NE(o.processes, 0);
    EXPECT_TRUE(o.host_fds_same);
    // Nothing of the executor's leaks into the final process.
    EXPECT_EQ(o.Get("final.fds"), o.Get("final.fds_before")) << o.raw_report;
    // It came back through RunOptions::resume exactly when it shared S0's
    // memory, and glibc's rseq area is the kernel's either way.
    EXPECT_EQ(o.Get("final.resumed"), o.final_shares_memory ? "1" : "0");
    // And glibc's thread record is the final process's own, as after fork.
    EXPECT_EQ(o.Get("final.rseq"), "registered");
    EXPECT_EQ(o.Get("final.tcb_tid"), "own");
    EXPECT_EQ(o.Get("final.robust_list"), "registered");
  }

  // The checks every failed run must pass: one Error, the last reply;
  // stage 0 exits 1; nothing left behind.
  static void ExpectCleanFailure(const Outcome& o) {
    EXPECT_FALSE(o.timed_out);
    EXPECT_EQ(o.errors(), 1);
    if (!o.replies.empty()) {
      EXPECT_TRUE(o.replies.back().has_error());
    }
    EXPECT_TRUE(WIFEXITED(o.stage0_status) && WEXITSTATUS(o.stage0_status) == 1)
        << o.stage0_status;
    EXPECT_EQ(o.Get("s0.fds_same"), "1") << o.raw_report;
    EXPECT_EQ(o.report.count("final.pid"), 0u) << "the final process ran";
    EXPECT_TRUE(o.host_fds_same);
    for (const auto& [pid, status] : o.statuses) {
      EXPECT_TRUE(WIFEXITED(status) || WIFSIGNALED(status));
    }
  }
};

// --- Joining -----------------------------------------------------------------

struct JoinCase {
  const char* ns;
  int flag;
  v1::Namespace type;
};

class JoinEachTypeTest : public RunTest,
                         public ::testing::WithParamInterface<JoinCase> {};

TEST_P(JoinEachTypeTest, FinalProcessIsInTheTargetsNamespace) {
  const JoinCase& c = GetParam();
  Target target(c.flag);
  ASSERT_GT(target.pid(), 0);
  Scenario sc;
  v1::NamespaceJoin* join = sc.request.add_join_namespaces();
  join->set_type(c.type);
  join->set_path(target.Path(c.ns));
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  // Stage 0 joins itself, except a user namespace (three processes).
  EXPECT_EQ(o.processes, c.type == v1::NAMESPACE_USER ? 3 : 2);
  EXPECT_NE(target.Ns(c.ns), HostNs(c.ns));
  EXPECT_EQ(o.FinalNs(c.ns), target.Ns(c.ns)) << o.raw_report;
  for (const char* other : kNsNames) {
    if (strcmp(other, c.ns) == 0) continue;
    EXPECT_EQ(o.FinalNs(other), HostNs(other)) << other;
  }
  // The Pids reply names the namespaces stage 2 ended up in.
  ASSERT_NE(o.pids(), nullptr);
  bool found = false;
  for (const v1::NamespaceId& id : o.pids()->namespaces()) {
    if (id.type() == c.type) {
      EXPECT_EQ(id.inode(), target.Ns(c.ns));
      found = true;
    }
  }
  EXPECT_TRUE(found);
  if (c.type == v1::NAMESPACE_USER) {
    // Became root in the joined user namespace (0 maps to 100000 there).
    EXPECT_EQ(o.Get("final.uid"), "0,0,0");
    EXPECT_EQ(o.Get("final.gid"), "0,0,0");
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, JoinEachTypeTest,
    ::testing::Values(JoinCase{"net", CLONE_NEWNET, v1::NAMESPACE_NET},
                      JoinCase{"uts", CLONE_NEWUTS, v1::NAMESPACE_UTS},
                      JoinCase{"ipc", CLONE_NEWIPC, v1::NAMESPACE_IPC},
                      JoinCase{"mnt", CLONE_NEWNS, v1::NAMESPACE_MOUNT},
                      JoinCase{"pid", CLONE_NEWPID, v1::NAMESPACE_PID},
                      JoinCase{"cgroup", CLONE_NEWCGROUP, v1::NAMESPACE_CGROUP},
                      JoinCase{"time", CLONE_NEWTIME, v1::NAMESPACE_TIME},
                      JoinCase{"user", CLONE_NEWUSER, v1::NAMESPACE_USER}),
    [](const ::testing::TestParamInfo<JoinCase>& info) {
      return std::string(info.param.ns);
    });

// runc exec's request: joins by /proc/N/ns/NAME paths of `target`.
v1::BootstrapRequest PathJoins(const Target& target,
                               std::initializer_list<v1::Namespace> types) {
  v1::BootstrapRequest request;
  for (v1::Namespace t : types) {
    v1::NamespaceJoin* join = request.add_join_namespaces();
    join->set_type(t);
    join->set_path(target.Path(NamespaceName(t)));
  }
  return request;
}

TEST_F(RunTest, JoinsEverythingOfAUserNamespacedContainer) {
  // `runc exec` into a container with a user namespace: all eight types,
  // user first in the request; the plan joins the others first.
  Target target(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME);
  Scenario sc;
  sc.request = PathJoins(
      target, {v1::NAMESPACE_USER, v1::NAMESPACE_IPC, v1::NAMESPACE_UTS,
               v1::NAMESPACE_NET, v1::NAMESPACE_PID, v1::NAMESPACE_MOUNT,
               v1::NAMESPACE_CGROUP, v1::NAMESPACE_TIME});
  sc.plan_options.protocol = ReplyProtocol::kRunc12;
  const Outcome o = RunScenario(sc);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  for (const char* ns : kNsNames) {
    EXPECT_EQ(o.FinalNs(ns), target.Ns(ns)) << ns;
  }
  EXPECT_EQ(o.Get("final.uid"), "0,0,0");
  EXPECT_EQ(o.Get("final.sid_is_self"), "1");
  EXPECT_EQ(o.Get("final.fds"), o.Get("final.fds_before"));
}

// The pid the next process created in `target`'s pid namespace gets there:
// a child joins that namespace and forks a grandchild, which reports it.
pid_t NextPidIn(pid_t target) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return -1;
  fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) {
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (child == 0) {
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, target, 0));
    if (pidfd < 0 || setns(pidfd, CLONE_NEWPID) != 0) _exit(1);
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      const pid_t self = getpid();
      _exit(write(report[1], &self, sizeof(self)) == sizeof(self) ? 0 : 1);
    }
    int status;
    _exit(grandchild > 0 && waitpid(grandchild, &status, 0) == grandchild &&
                  WIFEXITED(status) && WEXITSTATUS(status) == 0
              ? 0
              : 1);
  }
  close(report[1]);
  pid_t next = -1;
  if (read(report[0], &next, sizeof(next)) != sizeof(next)) next = -1;
  close(report[0]);
  int status;
  waitpid(child, &status, 0);
  return next;
}

TEST_F(RunTest, Runc12PlaceholderNeverEntersTheJoinedPidNamespace) {
  // `runc exec` joins by /proc paths; in two processes stage 0 reports a
  // placeholder as stage 1. Like runc's own stage 1, it lives in the
  // caller's pid namespace: the container sees the final process come in
  // and no other.
  Target target(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS);
  Scenario sc;
  sc.request = PathJoins(
      target, {v1::NAMESPACE_PID, v1::NAMESPACE_NET, v1::NAMESPACE_UTS});
  sc.plan_options.protocol = ReplyProtocol::kRunc12;
  const Outcome o = RunScenario(sc);
  ASSERT_EQ(o.processes, 2);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  EXPECT_EQ(o.FinalNs("pid"), target.Ns("pid"));
  // The target is pid 1 there, the final process the first after it, and
  // the next pid is the one after that: nothing else took a pid in between.
  EXPECT_EQ(o.Get("final.pid"), "2");
  EXPECT_EQ(NextPidIn(target.pid()), 3);
}

TEST_F(RunTest, Runc12JoinsATimeNamespace) {
  // setns to a time namespace refuses a caller that shares its memory with
  // another process (EUSERS): the placeholder, cloned before the joins and
  // perhaps not yet run, is then a copy, not sharing stage 0's memory.
  Target target(CLONE_NEWTIME | CLONE_NEWPID | CLONE_NEWNET);
  Scenario sc;
  sc.request = PathJoins(
      target, {v1::NAMESPACE_TIME, v1::NAMESPACE_PID, v1::NAMESPACE_NET});
  sc.plan_options.protocol = ReplyProtocol::kRunc12;
  for (int i = 0; i < 20; ++i) {  // the placeholder's exit is a race
    const Outcome o = RunScenario(sc);
    ASSERT_EQ(o.processes, 2);
    ASSERT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
    ASSERT_TRUE(o.AllExitedZero()) << o.StatusText();
    for (const char* ns : {"time", "pid", "net"}) {
      ASSERT_EQ(o.FinalNs(ns), target.Ns(ns)) << ns;
    }
  }
}

TEST_F(RunTest, JoinsByPidAndPidfdInOneSetnsEach) {
  Target a(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC);
  Target b(CLONE_NEWNS | CLONE_NEWCGROUP);
  constexpr int kPidfdNumber = 57;
  Scenario sc;
  sc.request = Request(absl::StrCat(
      "join_namespaces { type: NAMESPACE_NET pid: ", a.pid(), " }",
      "join_namespaces { type: NAMESPACE_UTS pid: ", a.pid(), " }",
      "join_namespaces { type: NAMESPACE_IPC pid: ", a.pid(), " }",
      "join_namespaces { type: NAMESPACE_MOUNT pidfd: ", kPidfdNumber, " }",
      "join_namespaces { type: NAMESPACE_CGROUP pidfd: ", kPidfdNumber, " }"));
  const pid_t b_pid = b.pid();
  sc.stage0_setup = [b_pid]() {
    const int fd = static_cast<int>(syscall(SYS_pidfd_open, b_pid, 0));
    if (fd < 0 || dup2(fd, kPidfdNumber) < 0) _exit(30);
    close(fd);
  };
  const Outcome o = RunScenario(sc);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  for (const char* ns : {"net", "uts", "ipc"}) {
    EXPECT_EQ(o.FinalNs(ns), a.Ns(ns)) << ns;
  }
  for (const char* ns : {"mnt", "cgroup"}) {
    EXPECT_EQ(o.FinalNs(ns), b.Ns(ns)) << ns;
  }
  // The pidfd target was consumed in stage 1: it does not reach the final
  // process. Everything else is as before.
  std::set<std::string> before = absl::StrSplit(o.Get("final.fds_before"), ',');
  before.erase(absl::StrCat(kPidfdNumber));
  EXPECT_EQ(absl::StrJoin(before, ","),
            absl::StrJoin(std::set<std::string>(
                              absl::StrSplit(o.Get("final.fds"), ',')),
                          ","));
}

// --- Creating ----------------------------------------------------------------

struct CreateCase {
  const char* ns;
  v1::Namespace type;
};

class CreateEachTypeTest : public RunTest,
                           public ::testing::WithParamInterface<CreateCase> {};

TEST_P(CreateEachTypeTest, FinalProcessIsInANewNamespace) {
  const CreateCase& c = GetParam();
  Scenario sc;
  sc.request.add_create_namespaces(c.type);
  if (c.type == v1::NAMESPACE_USER) {
    sc.request = Request(
        "create_namespaces: NAMESPACE_USER "
        "uid_mappings { container_id: 0 host_id: 0 size: 1 } "
        "gid_mappings { container_id: 0 host_id: 0 size: 1 }");
  }
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  EXPECT_NE(o.FinalNs(c.ns), 0u);
  EXPECT_NE(o.FinalNs(c.ns), HostNs(c.ns)) << o.raw_report;
  for (const char* other : kNsNames) {
    if (strcmp(other, c.ns) == 0) continue;
    EXPECT_EQ(o.FinalNs(other), HostNs(other)) << other;
  }
  if (c.type == v1::NAMESPACE_PID) {
    EXPECT_EQ(o.Get("final.pid"), "1");
  }
  EXPECT_EQ(o.Get("final.comm"), "nsboot:2:INIT");
  // One clone3 into the new namespace, except for time (offsets first).
  EXPECT_EQ(o.processes, c.type == v1::NAMESPACE_TIME ? 3 : 2);
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, CreateEachTypeTest,
    ::testing::Values(CreateCase{"net", v1::NAMESPACE_NET},
                      CreateCase{"uts", v1::NAMESPACE_UTS},
                      CreateCase{"ipc", v1::NAMESPACE_IPC},
                      CreateCase{"mnt", v1::NAMESPACE_MOUNT},
                      CreateCase{"pid", v1::NAMESPACE_PID},
                      CreateCase{"cgroup", v1::NAMESPACE_CGROUP},
                      CreateCase{"time", v1::NAMESPACE_TIME},
                      CreateCase{"user", v1::NAMESPACE_USER}),
    [](const ::testing::TestParamInfo<CreateCase>& info) {
      return std::string(info.param.ns);
    });

TEST_F(RunTest, CreatesAllEightAtOnceWithMapsSetgroupsDenyAndPidfds) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: [
      NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC, NAMESPACE_USER,
      NAMESPACE_PID, NAMESPACE_NET, NAMESPACE_CGROUP, NAMESPACE_TIME
    ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    setgroups: SETGROUPS_DENY
    options { reply_pidfds: true log_level: LOG_LEVEL_DEBUG }
  )pb");
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  for (const char* ns : kNsNames) {
    EXPECT_NE(o.FinalNs(ns), HostNs(ns)) << ns;
  }
  EXPECT_EQ(o.Get("final.pid"), "1");
  EXPECT_EQ(o.Get("final.uid"), "0,0,0");
  EXPECT_EQ(o.Get("final.gid"), "0,0,0");
  EXPECT_EQ(o.Get("final.setgroups"), "deny");
  EXPECT_EQ(Squash(o.Get("final.uid_map")), "0 100000 65536");
  // Replies: Ready first, Pids with both pidfds, no Error; debug logs.
  ASSERT_FALSE(o.replies.empty());
  EXPECT_TRUE(o.replies.front().has_ready());
  EXPECT_EQ(o.replies.front().ready().schema_versions(0), 1u);
  ASSERT_NE(o.pids(), nullptr);
  EXPECT_TRUE(o.pids()->pidfds_attached());
  EXPECT_EQ(o.pidfds_received, 2);
  EXPECT_EQ(o.other_fds_received, 0);
  EXPECT_EQ(o.pids()->namespaces_size(), 8);
  EXPECT_EQ(o.statuses.count(o.pids()->stage1_pid()), 1u);
  EXPECT_EQ(o.statuses.count(o.pids()->stage2_pid()), 1u);
  int logs = 0;
  for (const auto& r : o.replies) logs += r.has_log();
  EXPECT_GE(logs, 3);
}

// Schema version 2: the parent skips the namespace ids; the bootstrap is
// otherwise the same, and Ready says the child speaks both versions.
TEST_F(RunTest, SkippedNamespaceIdsLeavePidsWithoutThem) {
  Scenario sc;
  sc.request = Request(R"pb(
    schema_version: 2
    create_namespaces: [ NAMESPACE_UTS, NAMESPACE_NET, NAMESPACE_PID ]
    options { reply_pidfds: true skip_namespace_ids: true }
  )pb");
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  EXPECT_NE(o.FinalNs("net"), HostNs("net"));
  EXPECT_NE(o.FinalNs("uts"), HostNs("uts"));
  EXPECT_EQ(o.Get("final.pid"), "1");
  ASSERT_FALSE(o.replies.empty());
  ASSERT_TRUE(o.replies.front().has_ready());
  EXPECT_THAT(o.replies.front().ready().schema_versions(),
              ::testing::ElementsAre(1u, 2u));
  ASSERT_NE(o.pids(), nullptr);
  EXPECT_EQ(o.pids()->namespaces_size(), 0);
  EXPECT_TRUE(o.pids()->pidfds_attached());
  EXPECT_EQ(o.statuses.count(o.pids()->stage2_pid()), 1u);
}

TEST_F(RunTest, TwoProcessesCreateAllButTimeWithMapsAndOnePidfd) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: [
      NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC, NAMESPACE_USER,
      NAMESPACE_PID, NAMESPACE_NET, NAMESPACE_CGROUP
    ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    setgroups: SETGROUPS_DENY
    options { reply_pidfds: true log_level: LOG_LEVEL_DEBUG }
  )pb");
  const Outcome o = RunScenario(sc);
  ASSERT_EQ(o.processes, 2);
  ExpectCleanSuccess(o);
  for (const char* ns : kNsNames) {
    if (strcmp(ns, "time") == 0) {
      EXPECT_EQ(o.FinalNs(ns), HostNs(ns));
    } else {
      EXPECT_NE(o.FinalNs(ns), HostNs(ns)) << ns;
    }
  }
  EXPECT_EQ(o.Get("final.pid"), "1");
  EXPECT_EQ(o.Get("final.uid"), "0,0,0");
  EXPECT_EQ(o.Get("final.gid"), "0,0,0");
  EXPECT_EQ(o.Get("final.setgroups"), "deny");
  EXPECT_EQ(Squash(o.Get("final.uid_map")), "0 100000 65536");
  EXPECT_EQ(Squash(o.Get("final.gid_map")), "0 100000 65536");
  EXPECT_EQ(o.Get("final.comm"), "nsboot:2:INIT");
  // No stage 1: stage1_pid 0, one pidfd (the final process's).
  ASSERT_NE(o.pids(), nullptr);
  EXPECT_EQ(o.pids()->stage1_pid(), 0);
  EXPECT_EQ(o.statuses.count(o.pids()->stage2_pid()), 1u);
  EXPECT_TRUE(o.pids()->pidfds_attached());
  EXPECT_EQ(o.pidfds_received, 1);
  EXPECT_EQ(o.other_fds_received, 0);
  EXPECT_EQ(o.pids()->namespaces_size(), 8);
  struct stat nsfs;
  ASSERT_EQ(stat("/proc/self/ns/net", &nsfs), 0);
  for (const v1::NamespaceId& id : o.pids()->namespaces()) {
    EXPECT_EQ(id.inode(), o.FinalNs(NamespaceName(id.type())))
        << NamespaceName(id.type());
    EXPECT_EQ(id.device(), nsfs.st_dev) << NamespaceName(id.type());
  }
}

TEST_F(RunTest, TwoProcessesJoinAMountNamespaceAndReportFromTheCallersProc) {
  // Stage 0 joins mnt, pid and net, then clones: the Pids namespaces must
  // still be read from the caller's /proc.
  Target target(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET);
  Scenario sc;
  sc.request = Request(absl::StrCat(
      "join_namespaces { type: NAMESPACE_MOUNT pid: ", target.pid(), " }",
      "join_namespaces { type: NAMESPACE_PID pid: ", target.pid(), " }",
      "join_namespaces { type: NAMESPACE_NET path: '", target.Path("net"),
      "' }", "create_namespaces: [NAMESPACE_UTS, NAMESPACE_IPC]"));
  const Outcome o = RunScenario(sc);
  ASSERT_EQ(o.processes, 2);
  ExpectCleanSuccess(o);
  for (const char* ns : {"mnt", "pid", "net"}) {
    EXPECT_EQ(o.FinalNs(ns), target.Ns(ns)) << ns;
  }
  for (const char* ns : {"uts", "ipc"}) {
    EXPECT_NE(o.FinalNs(ns), HostNs(ns)) << ns;
  }
  EXPECT_NE(o.Get("final.pid"), "1");  // joined, not created
  ASSERT_NE(o.pids(), nullptr);
  EXPECT_EQ(o.pids()->namespaces_size(), 8);
  for (const v1::NamespaceId& id : o.pids()->namespaces()) {
    EXPECT_EQ(id.inode(), o.FinalNs(NamespaceName(id.type())))
        << NamespaceName(id.type());
  }
  EXPECT_EQ(o.Get("final.dumpable"), "0");
}

TEST_F(RunTest, JoinsSomeAndCreatesOthers) {
  Target target(CLONE_NEWNET | CLONE_NEWUTS);
  Scenario sc;
  sc.request = Request(absl::StrCat(
      "create_namespaces: [NAMESPACE_PID, NAMESPACE_IPC, NAMESPACE_MOUNT] ",
      "join_namespaces { type: NAMESPACE_NET path: '", target.Path("net"), "' }",
      "join_namespaces { type: NAMESPACE_UTS path: '", target.Path("uts"), "' }",
      "oom_score_adj: 345"));
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  EXPECT_EQ(o.FinalNs("net"), target.Ns("net"));
  EXPECT_EQ(o.FinalNs("uts"), target.Ns("uts"));
  for (const char* ns : {"pid", "ipc", "mnt"}) {
    EXPECT_NE(o.FinalNs(ns), HostNs(ns)) << ns;
  }
  EXPECT_EQ(o.FinalNs("user"), HostNs("user"));
  EXPECT_EQ(o.Get("final.pid"), "1");
  EXPECT_EQ(o.Get("final.oom_score_adj"), "345");
  // Joined: stage 0 made itself non-dumpable before any setns, and the
  // final process inherits that.
  EXPECT_EQ(o.Get("final.dumpable"), "0");
}

// Makes `sc` finish by exec'ing `sh -c script`, the report pipe at fd 9.
void ExecShell(Scenario* sc, const std::string& script) {
  sc->plan_options.finish = FinishMode::kExec;
  sc->report_fd_number = 9;
  sc->run_options.exec_path = "/bin/sh";
  sc->run_options.exec_argv = {"sh", "-c", script};
}

// --- The final process sharing stage 0's memory ------------------------------

TEST(FinalSharesMemoryTest, TwoProcessPlansGivenAStack) {
  alignas(16) static char stack[kMinFinalStackSize + 16];
  RunOptions asked;
  asked.final_stack = stack;
  asked.final_stack_size = kMinFinalStackSize;
  asked.resume = &ResumeFinal;
  const absl::StatusOr<Plan> two =
      MakePlan(Request("create_namespaces: [NAMESPACE_UTS]"), PlanOptions());
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->processes, 2);
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
  EXPECT_TRUE(FinalSharesMemory(*two, asked));
#endif
  EXPECT_FALSE(FinalSharesMemory(*two, RunOptions()));  // not asked

  RunOptions no_resume = asked;
  no_resume.resume = nullptr;
  EXPECT_FALSE(FinalSharesMemory(*two, no_resume));
  RunOptions small = asked;
  small.final_stack_size = kMinFinalStackSize - 16;
  EXPECT_FALSE(FinalSharesMemory(*two, small));
  RunOptions misaligned = asked;
  misaligned.final_stack = stack + 8;
  EXPECT_FALSE(FinalSharesMemory(*two, misaligned));
  // Stage 0 waiting for its children would wait for a final process that
  // waits for stage 0.
  RunOptions callers_children = asked;
  callers_children.stages_are_callers_children = true;
  EXPECT_FALSE(FinalSharesMemory(*two, callers_children));

  // An exec leaves the memory by itself: no resume needed, and stage 0 may
  // wait for its children.
  PlanOptions exec;
  exec.finish = FinishMode::kExec;
  const absl::StatusOr<Plan> execs =
      MakePlan(Request("create_namespaces: [NAMESPACE_UTS]"), exec);
  ASSERT_TRUE(execs.ok()) << execs.status();
  ASSERT_EQ(execs->processes, 2);
  EXPECT_EQ(FinalSharesMemory(*execs, no_resume),
            FinalSharesMemory(*two, asked));
  callers_children.resume = nullptr;
  EXPECT_EQ(FinalSharesMemory(*execs, callers_children),
            FinalSharesMemory(*two, asked));
  EXPECT_FALSE(FinalSharesMemory(*execs, small));

  // A new time namespace takes a stage 1 (three processes), and the kernel
  // refuses CLONE_VM into one anyway.
  const absl::StatusOr<Plan> time =
      MakePlan(Request("create_namespaces: [NAMESPACE_TIME]"), PlanOptions());
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_FALSE(FinalSharesMemory(*time, asked));
  Plan forced = *two;
  for (PlanStep& step : forced.stages[0].steps) {
    if (step.kind == StepKind::kCloneFinal) step.value |= CLONE_NEWTIME;
  }
  EXPECT_FALSE(FinalSharesMemory(forced, asked));
}

class SharedMemoryTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    RunOptions probe;
    probe.final_stack = g_final_stack;
    probe.final_stack_size = sizeof(g_final_stack);
    probe.resume = &ResumeFinal;
    const absl::StatusOr<Plan> plan = MakePlan(
        Request("create_namespaces: [NAMESPACE_UTS]"), PlanOptions());
    if (!plan.ok() || !FinalSharesMemory(*plan, probe)) {
      GTEST_SKIP() << "this build forks the final process (CLONE_VM is for "
                      "x86-64 builds without a sanitizer)";
    }
  }
};

TEST_F(SharedMemoryTest, FinalProcessResumesAfterStageZeroHasExited) {
  Target target(CLONE_NEWNET | CLONE_NEWUTS);
  Scenario sc;
  sc.request = Request(absl::StrCat(
      "join_namespaces { type: NAMESPACE_NET pid: ", target.pid(), " }",
      "join_namespaces { type: NAMESPACE_UTS pid: ", target.pid(), " }",
      "create_namespaces: [NAMESPACE_IPC, NAMESPACE_PID, NAMESPACE_MOUNT]"));
  const Outcome o = RunScenario(sc);
  ASSERT_EQ(o.processes, 2);
  ASSERT_TRUE(o.final_shares_memory);
  ExpectCleanSuccess(o);  // resumed, rseq registered, no fd leaked
  EXPECT_EQ(o.Get("final.resumed"), "1");
  EXPECT_THAT(o.Get("final.s0_memory"), ::testing::AnyOf("none", "gone"));
  EXPECT_EQ(o.FinalNs("net"), target.Ns("net"));
  EXPECT_EQ(o.FinalNs("uts"), target.Ns("uts"));
  for (const char* ns : {"ipc", "pid", "mnt"}) {
    EXPECT_NE(o.FinalNs(ns), HostNs(ns)) << ns;
  }
  EXPECT_EQ(o.Get("final.pid"), "1");
  ASSERT_NE(o.pids(), nullptr);
  for (const v1::NamespaceId& id : o.pids()->namespaces()) {
    EXPECT_EQ(id.inode(), o.FinalNs(NamespaceName(id.type())))
        << NamespaceName(id.type());
  }
}

TEST_F(SharedMemoryTest, Runc12FinalProcessIsASessionLeaderAsRootInItsUserns) {
  // runc 1.2 creating a user namespace with maps: stage 0 writes the maps of
  // a final process that shares its memory, then the final process becomes
  // root in it and reports init-finish.
  Scenario sc;
  sc.request = Request(
      "create_namespaces: [NAMESPACE_USER, NAMESPACE_UTS, NAMESPACE_IPC] "
      "uid_mappings { container_id: 0 host_id: 100000 size: 65536 } "
      "gid_mappings { container_id: 0 host_id: 100000 size: 65536 }");
  sc.plan_options.protocol = ReplyProtocol::kRunc12;
  const Outcome o = RunScenario(sc);
  if (o.processes != 2) GTEST_SKIP() << "this plan takes a stage 1";
  ASSERT_TRUE(o.final_shares_memory);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
  EXPECT_EQ(o.Get("final.resumed"), "1");
  EXPECT_EQ(o.Get("final.rseq"), "registered");
  EXPECT_EQ(o.Get("final.uid"), "0,0,0");
  EXPECT_EQ(o.Get("final.sid_is_self"), "1");
  EXPECT_EQ(absl::StrJoin(absl::StrSplit(o.Get("final.uid_map"), ' ',
                                         absl::SkipEmpty()),
                          " "),
            "0 100000 65536");
}

TEST_F(SharedMemoryTest, FinalProcessIsAForkWhenAskedFor) {
  Scenario sc;
  sc.request = Request("create_namespaces: [NAMESPACE_UTS, NAMESPACE_IPC]");
  sc.final_is_a_copy = true;
  const Outcome o = RunScenario(sc);
  ASSERT_FALSE(o.final_shares_memory);
  ExpectCleanSuccess(o);
  EXPECT_EQ(o.Get("final.resumed"), "0");
}

// A request stage 0 fails after the clone: the kernel refuses the uid map
// (two ranges for container id 0).
v1::BootstrapRequest RefusedUidMapRequest() {
  return Request(
      "create_namespaces: [NAMESPACE_USER, NAMESPACE_UTS] "
      "uid_mappings { container_id: 0 host_id: 100000 size: 65536 } "
      "uid_mappings { container_id: 0 host_id: 200000 size: 65536 }");
}

TEST_F(SharedMemoryTest, FinalProcessKilledByAFailingStageZero) {
  // Stage 0 fails after the clone: it kills the final process, which never
  // resumes.
  Scenario sc;
  sc.request = RefusedUidMapRequest();
  const Outcome o = RunScenario(sc);
  if (o.processes != 2) GTEST_SKIP() << "this plan takes a stage 1";
  ASSERT_TRUE(o.final_shares_memory);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->step(), v1::STEP_UID_MAP) << o.error()->DebugString();
}

TEST_F(SharedMemoryTest, ExecingFinalProcessSharesMemoryUntilItsExec) {
  Scenario sc;
  sc.request = Request("create_namespaces: [NAMESPACE_UTS, NAMESPACE_PID]");
  ExecShell(&sc, "echo final.exec_pid=$$ >&9; echo final.exec_ok=1 >&9");
  const Outcome o = RunScenario(sc);
  ASSERT_TRUE(o.final_shares_memory);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  EXPECT_EQ(o.Get("final.exec_pid"), "1");
  EXPECT_EQ(o.Get("final.exec_ok"), "1");
}

TEST_F(SharedMemoryTest, ExecingFinalProcessIsGoneBeforeAFailedRunReturns) {
  // Stage 0 fails after the clone: Run returns only once the final process,
  // which could still be reading the exec's argv in stage 0's memory, has
  // exited. H reaps it killed, and it never ran the command.
  Scenario sc;
  sc.request = RefusedUidMapRequest();
  ExecShell(&sc, "echo final.exec_ran=1 >&9");
  const Outcome o = RunScenario(sc);
  if (o.processes != 2) GTEST_SKIP() << "this plan takes a stage 1";
  ASSERT_TRUE(o.final_shares_memory);
  EXPECT_FALSE(o.timed_out);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->step(), v1::STEP_UID_MAP) << o.error()->DebugString();
  EXPECT_EQ(o.report.count("final.exec_ran"), 0u);
  int killed = 0;
  for (const auto& [pid, status] : o.statuses) {
    killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  EXPECT_EQ(killed, 1) << o.StatusText();
}

TEST_F(RunTest, OomScoreAdjIsApplied) {
  Scenario sc;
  sc.request = Request("create_namespaces: NAMESPACE_UTS oom_score_adj: 123");
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  EXPECT_EQ(o.Get("final.oom_score_adj"), "123");

  // Lowering it needs CAP_SYS_RESOURCE, which some containers drop.
  sc.request.set_oom_score_adj(-123);
  const Outcome lower = RunScenario(sc);
  if (HaveCapability(24 /* CAP_SYS_RESOURCE */)) {
    ExpectCleanSuccess(lower);
    EXPECT_EQ(lower.Get("final.oom_score_adj"), "-123");
  } else {
    ExpectCleanFailure(lower);
    ASSERT_NE(lower.error(), nullptr);
    EXPECT_EQ(lower.error()->stage(), v1::STAGE_PARENT);
    EXPECT_EQ(lower.error()->step(), v1::STEP_OOM_SCORE_ADJ);
    EXPECT_EQ(lower.error()->errno_value(), EACCES);
    EXPECT_EQ(lower.statuses.size(), 1u) << lower.StatusText();  // no clone
  }
}

TEST_F(RunTest, SetgroupsDenyIsVisible) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: NAMESPACE_USER
    uid_mappings { container_id: 0 host_id: 0 size: 1 }
    gid_mappings { container_id: 0 host_id: 0 size: 1 }
    setgroups: SETGROUPS_DENY
  )pb");
  const Outcome o = RunScenario(sc);
  ExpectCleanSuccess(o);
  EXPECT_EQ(o.Get("final.setgroups"), "deny");
  EXPECT_EQ(o.Get("final.groups"), "0");

  // SETGROUPS_ALLOW without rootless_euid: allowed, and the final process
  // dropped its supplementary groups.
  sc.request.set_setgroups(v1::SETGROUPS_ALLOW);
  sc.stage0_setup = []() {
    const gid_t groups[] = {0, 4, 27};
    if (setgroups(3, groups) != 0) _exit(31);
  };
  const Outcome allow = RunScenario(sc);
  ExpectCleanSuccess(allow);
  EXPECT_EQ(allow.Get("final.setgroups"), "allow");
  EXPECT_EQ(allow.Get("final.groups"), "0");
}

TEST_F(RunTest, TimeOffsetsAreVisible) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: [ NAMESPACE_TIME, NAMESPACE_PID ]
    time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: 86400 }
    time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 3600 nanoseconds: 500 }
  )pb");
  sc.plan_options.protocol = ReplyProtocol::kRunc12;
  const Outcome o = RunScenario(sc);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  EXPECT_EQ(Squash(o.Get("final.timens_offsets")),
            "monotonic 86400 0|boottime 3600 500");
  EXPECT_NE(o.FinalNs("time"), HostNs("time"));
}

// --- Rootless, through Debian's newuidmap/newgidmap --------------------------

class RootlessTest : public RunTest {
 protected:
  void SetUp() override {
    RunTest::SetUp();
    if (IsSkipped()) return;
    if (access("/usr/bin/newuidmap", X_OK) != 0 ||
        access("/usr/bin/newgidmap", X_OK) != 0) {
      GTEST_SKIP() << "needs Debian's uidmap package (newuidmap/newgidmap)";
    }
    char dir_template[] = "/tmp/nsboot-run-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    // nobody (65534) may map 100000..165535 (uids and gids).
    for (const char* name : {"subuid", "subgid"}) {
      std::ofstream(dir_ + "/" + name) << "nobody:100000:65536\n";
    }
  }
  void TearDown() override {
    if (dir_.empty()) return;
    unlink((dir_ + "/subuid").c_str());
    unlink((dir_ + "/subgid").c_str());
    rmdir(dir_.c_str());
  }

  // Stage 0 as nobody, with our subuid/subgid files bind-mounted over
  // /etc's in a mount namespace of its own.
  std::function<void()> BecomeNobody() const {
    const std::string dir = dir_;
    return [dir]() {
      if (unshare(CLONE_NEWNS) != 0) _exit(40);
      if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        _exit(41);
      }
      if (mount((dir + "/subuid").c_str(), "/etc/subuid", nullptr, MS_BIND,
                nullptr) != 0 ||
          mount((dir + "/subgid").c_str(), "/etc/subgid", nullptr, MS_BIND,
                nullptr) != 0) {
        _exit(42);
      }
      if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
          setresuid(65534, 65534, 65534) != 0) {
        _exit(43);
      }
      // Changing ids made us non-dumpable (fs.suid_dumpable); a user's
      // process that was exec'd normally is dumpable.
      if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) _exit(44);
    };
  }

  static v1::BootstrapRequest RootlessRequest(const char* uid_helper,
                                              const char* gid_helper) {
    return Request(absl::StrCat(R"pb(
      create_namespaces: [ NAMESPACE_USER, NAMESPACE_PID, NAMESPACE_MOUNT, NAMESPACE_NET ]
      uid_mappings { container_id: 0 host_id: 65534 size: 1 }
      uid_mappings { container_id: 1 host_id: 100000 size: 65536 }
      gid_mappings { container_id: 0 host_id: 65534 size: 1 }
      gid_mappings { container_id: 1 host_id: 100000 size: 65536 }
      rootless_euid: true
      options { log_level: LOG_LEVEL_DEBUG }
    )pb",
                                "uidmap_helper: '", uid_helper, "' ",
                                "gidmap_helper: '", gid_helper, "'"));
  }

  std::string dir_;
};

TEST_F(RootlessTest, MapsWrittenThroughTheHelpers) {
  Scenario sc;
  sc.request = RootlessRequest("/usr/bin/newuidmap", "/usr/bin/newgidmap");
  sc.stage0_setup = BecomeNobody();
  const Outcome o = RunScenario(sc);
  EXPECT_EQ(o.processes, 2);
  ExpectCleanSuccess(o);
  EXPECT_EQ(Squash(o.Get("final.uid_map")), "0 65534 1|1 100000 65536");
  EXPECT_EQ(Squash(o.Get("final.gid_map")), "0 65534 1|1 100000 65536");
  EXPECT_EQ(o.Get("final.setgroups"), "deny");  // rootless_euid default
  EXPECT_EQ(o.Get("final.uid"), "0,0,0");
  EXPECT_EQ(o.Get("final.pid"), "1");
  bool helper_logged = false;
  for (const auto& r : o.replies) {
    if (r.has_log() && r.log().message().find("running /usr/bin/newuidmap") !=
                           std::string::npos) {
      helper_logged = true;
    }
  }
  EXPECT_TRUE(helper_logged);
}

TEST_F(RootlessTest, FailingHelperIsAStructuredError) {
  Scenario sc;
  sc.request = RootlessRequest("/bin/false", "/usr/bin/newgidmap");
  sc.stage0_setup = BecomeNobody();
  const Outcome o = RunScenario(sc);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->stage(), v1::STAGE_PARENT);
  EXPECT_EQ(o.error()->step(), v1::STEP_UID_MAP);
  EXPECT_EQ(o.error()->errno_value(), EPERM);
  EXPECT_THAT(o.error()->message(),
              HasSubstr("/bin/false exited with status 1"));
  // S0 and the stage whose maps failed: stage 2 (two processes).
  EXPECT_EQ(o.processes, 2);
  EXPECT_EQ(o.statuses.size(), 2u) << o.StatusText();
  EXPECT_EQ(o.error()->stage1_pid(), 0);
  EXPECT_GT(o.error()->stage2_pid(), 0);
  EXPECT_EQ(o.statuses.count(o.error()->stage2_pid()), 1u);
}

TEST_F(RootlessTest, NoHelperIsAStructuredError) {
  Scenario sc;
  sc.request = RootlessRequest("/usr/bin/newuidmap", "/usr/bin/newgidmap");
  sc.request.clear_uidmap_helper();
  sc.stage0_setup = BecomeNobody();
  const Outcome o = RunScenario(sc);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->step(), v1::STEP_UID_MAP);
  EXPECT_THAT(o.error()->message(), HasSubstr("no uidmap_helper"));
}

// --- Finishing ---------------------------------------------------------------

TEST_F(RunTest, ExecsTheCommandInTheNamespaces) {
  Scenario sc;
  sc.request = Request("create_namespaces: [NAMESPACE_UTS, NAMESPACE_PID]");
  ExecShell(&sc,
            "echo final.exec_uts=$(stat -L -c %i /proc/self/ns/uts) >&9; "
            "echo final.exec_pid=$$ >&9; "
            "echo final.exec_fds=$(ls /proc/self/fd | tr '\\n' ' ') >&9");
  sc.run_options.exec_envp = std::vector<std::string>{"PATH=/usr/bin:/bin"};
  const Outcome o = RunScenario(sc);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  EXPECT_NE(o.Get("final.exec_uts"), absl::StrCat(HostNs("uts")));
  EXPECT_EQ(o.Get("final.exec_pid"), "1");
  // stdio, the report fd, and ls's own directory fd: no sync sockets.
  EXPECT_THAT(o.Get("final.exec_fds"), StartsWith("0 1 2 3 9"))
      << o.raw_report;
}

TEST_F(RunTest, ExecFailureIsAStructuredError) {
  Scenario sc;
  sc.request = Request("create_namespaces: NAMESPACE_UTS");
  sc.plan_options.finish = FinishMode::kExec;
  sc.run_options.exec_path = "/nonexistent/nsboot-test";
  sc.run_options.exec_argv = {"nsboot-test"};
  const Outcome o = RunScenario(sc);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->stage(), v1::STAGE_INIT);
  EXPECT_EQ(o.error()->step(), v1::STEP_EXEC);
  EXPECT_EQ(o.error()->errno_value(), ENOENT);
  EXPECT_THAT(o.error()->message(), HasSubstr("execve /nonexistent/nsboot-test"));
}

// --- runc's replies ----------------------------------------------------------

TEST_F(RunTest, Runc11RepliesNulThenPidJson) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: [ NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC,
                         NAMESPACE_PID, NAMESPACE_NET, NAMESPACE_CGROUP ]
    oom_score_adj: 999
  )pb");
  sc.plan_options.protocol = ReplyProtocol::kRunc11;
  sc.plan_options.process_names = {"runc:[0:PARENT]", "runc:[1:CHILD]",
                                   "runc:[2:INIT]"};
  sc.plan_options.default_log_level = v1::LOG_LEVEL_DEBUG;
  const Outcome o = RunScenario(sc);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  ASSERT_FALSE(o.init_bytes.empty());
  EXPECT_EQ(o.init_bytes[0], '\0');
  int s1 = 0, s2 = 0;
  ASSERT_EQ(sscanf(o.init_bytes.c_str() + 1,
                   "{\"stage1_pid\":%d,\"stage2_pid\":%d}\n", &s1, &s2),
            2)
      << o.init_bytes;
  EXPECT_EQ(o.init_bytes.substr(1), RuncPidsLine(s1, s2));
  ASSERT_EQ(o.statuses.count(s1), 1u);
  EXPECT_EQ(o.statuses.count(s2), 1u);
  // Two processes: stage 1 is the placeholder, a child of ours (to reap, as
  // runc's parent does) that exited 0 at once.
  EXPECT_TRUE(WIFEXITED(o.statuses.at(s1)) && WEXITSTATUS(o.statuses.at(s1)) == 0)
      << o.statuses.at(s1);
  EXPECT_THAT(o.log_bytes, HasSubstr("{\"level\":\"debug\", \"msg\": \"nsexec-0["));
  EXPECT_EQ(o.Get("final.comm"), "runc:[2:INIT]");
  EXPECT_EQ(o.Get("final.sid_is_self"), "1");
  EXPECT_NE(o.FinalNs("cgroup"), HostNs("cgroup"));  // unshared in stage 2
  EXPECT_EQ(o.Get("final.oom_score_adj"), "999");
}

// runc's final process becomes root (setresgid/setresuid to 0). When stage
// 0's ids are all 0 already that changes nothing, and Run skips it with the
// init-finish exchange; a saved or filesystem id of stage 0 that is not 0
// keeps both, and the final process is root all the same.
TEST_F(RunTest, Runc12FinalProcessIsRootWhateverStageZerosIds) {
  const struct {
    const char* name;
    std::function<void()> setup;
  } cases[] = {
      {"all 0", nullptr},
      {"saved uid", [] {
         if (setresuid(-1, -1, 65534) != 0) _exit(4);
       }},
      {"saved gid", [] {
         if (setresgid(-1, -1, 65534) != 0) _exit(4);
       }},
      {"fs uid", [] { setfsuid(65534); }},
      {"fs gid", [] { setfsgid(65534); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Scenario sc;
    sc.request = Request("create_namespaces: [NAMESPACE_UTS, NAMESPACE_IPC]");
    sc.plan_options.protocol = ReplyProtocol::kRunc12;
    sc.stage0_setup = c.setup;
    const absl::StatusOr<Plan> plan = MakePlan(sc.request, sc.plan_options);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_TRUE(InitFinishSkippable(*plan)) << FormatPlan(*plan);
    const Outcome o = RunScenario(sc);
    EXPECT_FALSE(o.timed_out);
    EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
    EXPECT_EQ(o.Get("final.uid"), "0,0,0");
    EXPECT_EQ(o.Get("final.gid"), "0,0,0");
    EXPECT_EQ(o.Get("final.fsid"), "0,0");
    EXPECT_EQ(o.Get("final.sid_is_self"), "1");
  }
}

TEST_F(RunTest, Runc12FailureIsAFatalLogLine) {
  Scenario sc;
  sc.request = Request(
      "join_namespaces { type: NAMESPACE_NET path: '/nonexistent/ns/net' }");
  sc.plan_options.protocol = ReplyProtocol::kRunc12;
  const Outcome o = RunScenario(sc);
  EXPECT_FALSE(o.timed_out);
  EXPECT_TRUE(WIFEXITED(o.stage0_status) && WEXITSTATUS(o.stage0_status) == 1);
  EXPECT_EQ(o.init_bytes, "");  // no NUL for 1.2, and no pids
  // Two processes: stage 0 joins (runc's nsexec does it in stage 1).
  EXPECT_THAT(o.log_bytes,
              ::testing::MatchesRegex(
                  "\\{\"level\":\"fatal\", \"msg\": \"nsexec-0\\[[0-9]+\\]: "
                  "open net namespace /nonexistent/ns/net: No such file or "
                  "directory\"\\}\n"));
}

TEST_F(RunTest, Runc11MountSourcesReachTheFinalProcess) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_MOUNT, NAMESPACE_PID ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    mount_sources: [ "/etc", "", "/usr/bin" ]
  )pb");
  sc.plan_options.protocol = ReplyProtocol::kRunc11;
  sc.plan_options.mount_source_fds = {40, -1, 41};
  const Outcome o = RunScenario(sc);
  EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report << o.log_bytes;
  EXPECT_TRUE(o.AllExitedZero()) << o.StatusText();
  EXPECT_EQ(o.Get("final.newfd.40"), "/etc") << o.raw_report;
  EXPECT_EQ(o.Get("final.newfd.41"), "/usr/bin");
}

// --- Failure paths -----------------------------------------------------------

// Join failures, in both shapes: stage 1 joins (three processes), or
// stage 0 itself before any clone (two).
TEST_F(RunTest, MissingPathIsAStructuredError) {
  for (const bool two : {true, false}) {
    SCOPED_TRACE(two ? "two processes" : "three processes");
    Scenario sc;
    sc.request = Request(
        "create_namespaces: NAMESPACE_PID "
        "join_namespaces { type: NAMESPACE_NET path: '/nonexistent/ns/net' }");
    sc.plan_options.two_processes = two;
    const Outcome o = RunScenario(sc);
    ASSERT_EQ(o.processes, two ? 2 : 3);
    ExpectCleanFailure(o);
    ASSERT_NE(o.error(), nullptr);
    EXPECT_EQ(o.error()->stage(), two ? v1::STAGE_PARENT : v1::STAGE_CHILD);
    EXPECT_EQ(o.error()->step(), v1::STEP_OPEN_NAMESPACE);
    EXPECT_EQ(o.error()->errno_value(), ENOENT);
    EXPECT_EQ(o.error()->code(), static_cast<int>(absl::StatusCode::kNotFound));
    EXPECT_EQ(o.error()->message(),
              "open net namespace /nonexistent/ns/net: No such file or "
              "directory");
    // The stages that existed: stage 1 (three), none (two).
    EXPECT_EQ(o.error()->stage1_pid() > 0, !two);
    EXPECT_EQ(o.statuses.count(o.error()->stage1_pid()), two ? 0u : 1u);
    EXPECT_EQ(o.error()->stage2_pid(), 0);
    // Three: S0 and stage 1. Two: S0 only (it failed before any clone).
    EXPECT_EQ(o.statuses.size(), two ? 1u : 2u) << o.StatusText();
  }
}

TEST_F(RunTest, PathOfTheWrongTypeIsAStructuredError) {
  for (const bool two : {true, false}) {
    SCOPED_TRACE(two ? "two processes" : "three processes");
    Scenario sc;
    sc.request = Request(absl::StrCat(
        "join_namespaces { type: NAMESPACE_NET path: '/proc/", getpid(),
        "/ns/uts' }"));
    sc.plan_options.two_processes = two;
    const Outcome o = RunScenario(sc);
    ExpectCleanFailure(o);
    ASSERT_NE(o.error(), nullptr);
    EXPECT_EQ(o.error()->stage(), two ? v1::STAGE_PARENT : v1::STAGE_CHILD);
    EXPECT_EQ(o.error()->step(), v1::STEP_SETNS);
    EXPECT_EQ(o.error()->errno_value(), EINVAL);
    EXPECT_THAT(o.error()->message(),
                HasSubstr("setns to net namespace /proc/"));
    EXPECT_EQ(o.statuses.size(), two ? 1u : 2u) << o.StatusText();
  }
}

TEST_F(RunTest, TwoProcessesFailedSecondJoinLeavesNothingBehind) {
  // The first target is joined, the second does not exist: stage 0 has
  // opened both (all before any setns), so it fails at open, no clone.
  Target a(CLONE_NEWUTS);
  Scenario sc;
  sc.request = Request(absl::StrCat(
      "join_namespaces { type: NAMESPACE_UTS pid: ", a.pid(), " }",
      "join_namespaces { type: NAMESPACE_IPC path: '/nonexistent/ipc' }"));
  const Outcome o = RunScenario(sc);
  ASSERT_EQ(o.processes, 2);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->stage(), v1::STAGE_PARENT);
  EXPECT_EQ(o.error()->step(), v1::STEP_OPEN_NAMESPACE);
  EXPECT_EQ(o.statuses.size(), 1u) << o.StatusText();
}

TEST_F(RunTest, DeadTargetPidIsAStructuredError) {
  pid_t dead;
  {
    Target gone(CLONE_NEWUTS);
    dead = gone.pid();
  }
  Scenario sc;
  sc.request = Request(
      absl::StrCat("join_namespaces { type: NAMESPACE_UTS pid: ", dead, " }"));
  const Outcome o = RunScenario(sc);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->step(), v1::STEP_OPEN_NAMESPACE);
  EXPECT_EQ(o.error()->errno_value(), ESRCH);
}

TEST_F(RunTest, StageOneKilledMidProtocol) {
  Scenario sc;
  sc.request = Request("create_namespaces: [NAMESPACE_PID, NAMESPACE_NET]");
  sc.plan_options.two_processes = false;  // a stage 1 to kill
  sc.kill_after_pids = 1;  // while stage 1 waits for the init-pid answer
  const Outcome o = RunScenario(sc);
  ExpectCleanFailure(o);
  ASSERT_NE(o.error(), nullptr);
  EXPECT_EQ(o.error()->stage(), v1::STAGE_CHILD);
  EXPECT_THAT(o.error()->message(), HasSubstr("stage 1 (CHILD)"));
  ASSERT_NE(o.pids(), nullptr);
  EXPECT_EQ(o.statuses.size(), 3u) << o.StatusText();
  const int s1 = o.statuses.at(o.pids()->stage1_pid());
  const int s2 = o.statuses.at(o.pids()->stage2_pid());
  EXPECT_TRUE(WIFSIGNALED(s1) && WTERMSIG(s1) == SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(s2) || WIFEXITED(s2));  // killed or saw EOF
}

TEST_F(RunTest, StageTwoKilledMidProtocol) {
  for (const bool two : {true, false}) {
    SCOPED_TRACE(two ? "two processes" : "three processes");
    Scenario sc;
    sc.request = Request(
        "create_namespaces: [NAMESPACE_PID, NAMESPACE_NET, NAMESPACE_USER] "
        "uid_mappings { container_id: 0 host_id: 100000 size: 65536 }");
    sc.plan_options.two_processes = two;
    sc.kill_after_pids = 2;  // while stage 2 waits to be released
    const Outcome o = RunScenario(sc);
    ASSERT_EQ(o.processes, two ? 2 : 3);
    ExpectCleanFailure(o);
    ASSERT_NE(o.error(), nullptr);
    EXPECT_EQ(o.error()->stage(), v1::STAGE_INIT);
    EXPECT_THAT(o.error()->message(), HasSubstr("stage 2 (INIT)"));
    EXPECT_EQ(o.statuses.size(), static_cast<size_t>(o.processes))
        << o.StatusText();
    ASSERT_NE(o.pids(), nullptr);
    EXPECT_EQ(o.error()->stage1_pid(), o.pids()->stage1_pid());
    EXPECT_EQ(o.error()->stage2_pid(), o.pids()->stage2_pid());
    EXPECT_EQ(o.pids()->stage1_pid() == 0, two);
    const int s2 = o.statuses.at(o.pids()->stage2_pid());
    EXPECT_TRUE(WIFSIGNALED(s2) && WTERMSIG(s2) == SIGKILL);
  }
}

// The final process's own setup runs before its release, while stage 0
// replies: a failure there is the error reported, whether stage 0's release
// finds it still running (and awaits the error) or already gone.
TEST_F(RunTest, FinalProcessFailingBeforeItsReleaseIsTheErrorReported) {
  for (const bool two : {true, false}) {
    SCOPED_TRACE(two ? "two processes" : "three processes");
    Scenario sc;
    sc.request = Request("create_namespaces: [NAMESPACE_PID, NAMESPACE_UTS]");
    sc.plan_options.two_processes = two;
    sc.plan_options.new_session = true;
    sc.edit_plan = [](Plan* plan) {
      std::vector<PlanStep>& f = plan->stages[2].steps;
      for (auto it = f.begin(); it != f.end(); ++it) {
        if (it->kind != StepKind::kAwaitRelease) continue;
        PlanStep bad;
        bad.kind = StepKind::kUnshare;
        bad.error_step = v1::STEP_UNSHARE;
        bad.value = 1;  // not a flag unshare(2) takes: EINVAL
        f.insert(it, bad);
        break;
      }
    };
    for (int i = 0; i < 10; ++i) {
      const Outcome o = RunScenario(sc);
      ASSERT_EQ(o.processes, two ? 2 : 3);
      ExpectCleanFailure(o);
      ASSERT_NE(o.error(), nullptr);
      EXPECT_EQ(o.error()->stage(), v1::STAGE_INIT);
      EXPECT_EQ(o.error()->step(), v1::STEP_UNSHARE);
      EXPECT_EQ(o.error()->errno_value(), EINVAL) << o.error()->message();
      EXPECT_EQ(o.statuses.size(), static_cast<size_t>(o.processes))
          << o.StatusText();
    }
  }
}

// nsboot run's use: the caller is stage 0 and the stages' parent (no
// CLONE_PARENT), with two processes and three; the runc protocols refuse it.
TEST_F(RunTest, StagesAreTheCallersChildrenWhenAsked) {
  for (const bool two : {true, false}) {
    SCOPED_TRACE(two ? "two processes" : "three processes");
    Scenario sc;
    // No new pid namespace: the final process sees its parent's pid.
    sc.request = Request("create_namespaces: [NAMESPACE_UTS, NAMESPACE_IPC]");
    sc.plan_options.two_processes = two;
    sc.run_options.stages_are_callers_children = true;
    const Outcome o = RunScenario(sc);
    ASSERT_EQ(o.processes, two ? 2 : 3);
    EXPECT_EQ(o.Get("s0.status"), "done") << o.raw_report;
    ASSERT_NE(o.Get("s0.pid"), "");
    EXPECT_EQ(o.Get("final.ppid"), o.Get("s0.pid")) << o.raw_report;
    // Stage 0 reaped them all (stage 1 and the final process): none was
    // left to the host.
    EXPECT_EQ(o.Get("s0.reaped"), absl::StrCat(o.processes - 1));
    EXPECT_EQ(o.statuses.size(), 1u) << o.StatusText();
  }
  Scenario plain;  // the usual: children of stage 0's parent
  plain.request = Request("create_namespaces: [NAMESPACE_UTS]");
  const Outcome usual = RunScenario(plain);
  EXPECT_NE(usual.Get("final.ppid"), usual.Get("s0.pid")) << usual.raw_report;

  Scenario runc;
  runc.request = Request("create_namespaces: [NAMESPACE_UTS]");
  runc.plan_options.protocol = ReplyProtocol::kRunc12;
  runc.run_options.stages_are_callers_children = true;
  const Outcome refused = RunScenario(runc);
  EXPECT_THAT(refused.Get("s0.status"), HasSubstr("native protocol"));
  EXPECT_EQ(refused.report.count("final.pid"), 0u);
}

TEST_F(RunTest, ParentClosingThePipeEarly) {
  Scenario sc;
  sc.request = Request("create_namespaces: [NAMESPACE_PID, NAMESPACE_UTS]");
  sc.host_closes_after_ready = true;
  const Outcome o = RunScenario(sc);
  EXPECT_FALSE(o.timed_out);
  EXPECT_TRUE(WIFEXITED(o.stage0_status) && WEXITSTATUS(o.stage0_status) == 1)
      << o.stage0_status;
  EXPECT_THAT(o.Get("s0.status"), HasSubstr("sending the pids"));
  EXPECT_EQ(o.Get("s0.fds_same"), "1");
  EXPECT_EQ(o.report.count("final.pid"), 0u);
  EXPECT_EQ(o.processes, 2);
  EXPECT_EQ(o.statuses.size(), 2u) << o.StatusText();  // S0, stage 2
  EXPECT_TRUE(o.host_fds_same);
}

// --- Numbers -----------------------------------------------------------------

TEST_F(RunTest, Latency) {
  Scenario sc;
  sc.request = Request(R"pb(
    create_namespaces: [ NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC,
                         NAMESPACE_PID, NAMESPACE_CGROUP ]
  )pb");
  std::vector<int64_t> final_us, parent_us;
  for (int i = 0; i < 15; ++i) {
    const Outcome o = RunScenario(sc);
    ASSERT_EQ(o.Get("s0.status"), "done");
    int64_t f = 0, p = 0;
    ASSERT_TRUE(absl::SimpleAtoi(o.Get("final.elapsed_us"), &f));
    ASSERT_TRUE(absl::SimpleAtoi(o.Get("s0.elapsed_us"), &p));
    final_us.push_back(f);
    parent_us.push_back(p);
  }
  std::sort(final_us.begin(), final_us.end());
  std::sort(parent_us.begin(), parent_us.end());
  printf("Run() to final process returning: median %lld us (min %lld, max %lld)\n",
         static_cast<long long>(final_us[final_us.size() / 2]),
         static_cast<long long>(final_us.front()),
         static_cast<long long>(final_us.back()));
  printf("Run() in stage 0 until kParentDone: median %lld us\n",
         static_cast<long long>(parent_us[parent_us.size() / 2]));
}

}  // namespace
}  // namespace executor
}  // namespace nsboot
