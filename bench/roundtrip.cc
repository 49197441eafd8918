// Bootstrap round-trip benchmark (issue #8). Times, for several scenarios and
// several implementations doing the same work, the whole round trip a
// container runtime pays: spawn the host with an init socket at fd 3, send
// the request, receive the pids, and reap every process, the final one
// having run inside the target namespaces and exited.
//
//   roundtrip --mode=roundtrip [--iterations=N] [--warmup=N]
//             [--scenarios=create,join,user] [--impls=a,b,...]
//             [--samples=FILE]            raw samples (TSV)
//   roundtrip --mode=inert [--iterations=N] spawn hosts without an init pipe
//   roundtrip --mode=soak --impls=... --count=1000 --parallel=1|4
//   roundtrip --mode=runs --runs=A.tsv,B.tsv,...  several runs' --samples,
//             summarized: the spread of each ratio from run to run
//   roundtrip --mode=ab --forward=F.tsv --reverse=R.tsv [--row=IMPL]
//             [--slot=IMPL]  two builds timed with their slots swapped
//             (bench/ab.sh): their difference, the slots' cancelled
//
// Implementations (flags give the binaries; bench/run.sh passes them):
//   floor           bench/hosts/floor_host.c: only the needed syscalls
//   floor-exit      the same, the final process leaving through exit() as
//                   one returning from main() does (--floor_exit)
//   floor-vm        the same, the final process sharing the host's memory
//                   (CLONE_VM, a stack of its own) as nsboot's does where
//                   it can (--floor_vm); the ratios stay to the floor
//   nsboot-native   pre-main hook, nsboot frames (no re-exec)
//   nsboot-native-noids  the same request as schema version 2 with
//                   options.skip_namespace_ids (Pids without namespace ids)
//   nsboot-native-cxx  nsboot-native in a host that loads libstdc++, as a
//                   C++ program does (--nsboot_host_cxx); also the slot for
//                   an A/B of two builds of the hook, sending the request
//                   --cxx_request=native|noids|runc12 names
//   nsboot-runc12   pre-main hook, runc netlink, runc 1.2+ dialect (no re-exec)
//   nsboot-runc11   pre-main hook, runc netlink, runc 1.1 dialect (runs
//                   from a sealed copy: the default, a read-only overlayfs,
//                   adopted in place without exec)
//   nsboot-runc11-bind  the same with nsboot_seal_method = NSBOOT_SEAL_BIND
//                   (a read-only bind clone of the binary), --nsboot_host_bindseal
//   nsboot-runc11-reexec  the same with nsboot_seal_in_place = 0: re-executes
//                   from the overlayfs copy, as nsexec does, --nsboot_host_reexec
//   runc-nsexec     runc 1.1.5's nsexec.c in the same empty host
//   nsboot-cli      nsboot run [--config F | --join PID] -- true
//   nsboot-cli-b    the same with another build of the CLI (--nsboot_b):
//                   the slot of an A/B of two CLI builds (bench/ab.sh cli)
//   util-linux      unshare ... true / nsenter --all -t PID true
//
// Runs are interleaved: every iteration runs each implementation once per
// scenario, in an order rotated per iteration. Summaries are medians. This
// is a benchmark, not a test: it asserts no time.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/hosts/floor_request.h"
#include "bench/scenarios.h"
#include "codec/frame.h"
#include "codec/netlink.h"
#include "google/protobuf/text_format.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

extern char** environ;

namespace nsboot {
namespace bench {
namespace {

// ---------------------------------------------------------------- flags

std::map<std::string, std::string> g_flags;

std::string Flag(const std::string& name, const std::string& def) {
  auto it = g_flags.find(name);
  return it == g_flags.end() ? def : it->second;
}
int IntFlag(const std::string& name, int def) {
  auto it = g_flags.find(name);
  return it == g_flags.end() ? def : atoi(it->second.c_str());
}

[[noreturn]] void Die(const std::string& what) {
  fprintf(stderr, "roundtrip: %s\n", what.c_str());
  exit(1);
}

double NowUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// ---------------------------------------------------------------- scenarios

constexpr uint32_t kCreateFlags = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
                                  CLONE_NEWNS | CLONE_NEWPID;
// What the join target has of its own (and so what "join all" joins).
constexpr uint32_t kJoinFlags = kCreateFlags | CLONE_NEWCGROUP;
constexpr char kMap[] = "0 100000 65536\n";

pid_t g_target = -1;        // the join target (in its own namespaces)
pid_t g_target_keeper = -1;  // its parent, which we kill at the end

void StartJoinTarget() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) Die("pipe");
  pid_t keeper = fork();
  if (keeper < 0) Die("fork");
  if (keeper == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (unshare(kJoinFlags) != 0) _exit(1);
    pid_t t = fork();
    if (t == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (;;) pause();
    }
    if (write(p[1], &t, sizeof(t)) != sizeof(t)) _exit(1);
    int st;
    waitpid(t, &st, 0);
    _exit(0);
  }
  close(p[1]);
  pid_t t = -1;
  if (read(p[0], &t, sizeof(t)) != sizeof(t)) Die("join target did not start");
  close(p[0]);
  g_target = t;
  g_target_keeper = keeper;
}

void StopJoinTarget() {
  if (g_target_keeper > 0) {
    kill(g_target, SIGKILL);
    kill(g_target_keeper, SIGKILL);
    waitpid(g_target_keeper, nullptr, 0);
  }
}

// ---------------------------------------------------------------- spawning

struct Paths {
  std::string floor, floor_exit, floor_vm, nsboot_host, nsboot_host_cxx,
      nsboot_host_bindseal, nsboot_host_reexec, bare_host, runc_host,
      nsboot_cli, nsboot_cli_b, true_bin, unshare, nsenter, tmpdir;
};
Paths g_paths;
// The request the nsboot-native-cxx slot sends (--cxx_request): "native"
// (the default), "noids" or "runc12", so that slot can A/B another build
// of the hook (--nsboot_host_cxx) against any nsboot row.
std::string g_cxx_request = "native";

// Spawns argv with `env`; when `sock` >= 0 it becomes fd 3. stdout goes to
// /dev/null, stderr stays.
// With --mode=memory, every command runs under bench/hosts/rss_launcher.c,
// which reaps it (and the stages) and reports each peak RSS on fd 4.
std::string g_launcher;

pid_t Spawn(std::vector<std::string> argv, const std::vector<std::string>& env,
            int sock, int report = -1) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (sock >= 0) posix_spawn_file_actions_adddup2(&fa, sock, 3);
  if (report >= 0) {
    posix_spawn_file_actions_adddup2(&fa, report, 4);
    argv.insert(argv.begin(), g_launcher);
  }
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : env) e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  pid_t pid = -1;
  int err = posix_spawn(&pid, a[0], &fa, nullptr, a.data(), e.data());
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return -1;
  return pid;
}

// Reaps `pid`; returns its exit status (128+sig for a signal), its peak RSS
// in KiB through *maxrss.
int Reap(pid_t pid, long* maxrss) {
  int status = 0;
  struct rusage ru = {};
  pid_t r;
  do {
    r = wait4(pid, &status, 0, &ru);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return -1;
  if (maxrss != nullptr) *maxrss = ru.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool ReadExactly(int fd, void* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, static_cast<char*>(buf) + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += r;
  }
  return true;
}

bool WriteAll(int fd, const std::string& s) {
  return write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
}

// One line, taken as a buffered reader takes it (runc's parent decodes the
// pid JSON with Go's json.Decoder): peek at what has arrived, then consume
// up to the newline and no further. Until session 4 this read one byte per
// read(): ~40 system calls of the parent per line, in every runc-protocol
// row (nsexec's included) and in none of the others (~10 us untraced).
std::string ReadLine(int fd) {
  std::string line;
  char buf[512];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return line;
    const char* newline = static_cast<const char*>(memchr(buf, '\n', n));
    const size_t take = newline != nullptr ? newline - buf + 1 : n;
    if (!ReadExactly(fd, buf, take)) return line;
    line.append(buf, take);
    if (newline != nullptr) return line;
  }
}

// ---------------------------------------------------------------- impls

enum class Kind {
  kFloor,
  kFloorExit,
  kFloorVm,
  kNsbootNative,
  kNsbootNativeNoIds,
  kNsbootNativeCxx,
  kNsbootRunc12,
  kNsbootRunc11,
  kNsbootRunc11Bind,
  kNsbootRunc11Reexec,
  kRuncNsexec,
  kCli,
  kCliSlot,
  kUtilLinux
};
struct Impl {
  const char* name;
  Kind kind;
};
// Rows of bench/hosts/floor_host.c builds.
bool IsFloorRow(Kind kind) {
  return kind == Kind::kFloor || kind == Kind::kFloorExit ||
         kind == Kind::kFloorVm;
}
// Rows that time a command line (spawn to reap) rather than a host.
bool IsCommandRow(Kind kind) {
  return kind == Kind::kCli || kind == Kind::kCliSlot ||
         kind == Kind::kUtilLinux;
}
const Impl kImpls[] = {
    {"floor", Kind::kFloor},
    {"floor-exit", Kind::kFloorExit},
    {"floor-vm", Kind::kFloorVm},
    {"nsboot-native", Kind::kNsbootNative},
    {"nsboot-native-noids", Kind::kNsbootNativeNoIds},
    {"nsboot-native-cxx", Kind::kNsbootNativeCxx},
    {"nsboot-runc12", Kind::kNsbootRunc12},
    {"nsboot-runc11", Kind::kNsbootRunc11},
    {"nsboot-runc11-bind", Kind::kNsbootRunc11Bind},
    {"nsboot-runc11-reexec", Kind::kNsbootRunc11Reexec},
    {"runc-nsexec", Kind::kRuncNsexec},
    {"nsboot-cli", Kind::kCli},
    {"nsboot-cli-b", Kind::kCliSlot},
    {"util-linux", Kind::kUtilLinux},
};

struct Sample {
  bool ok = false;
  double us = 0;
  long rss[3] = {0, 0, 0};  // KiB: host/stage 0, stage 1, stage 2 (final)
  std::string error;
};

// Pre-encoded requests, per scenario and wire format.
struct Encoded {
  std::string frame, frame_noids, netlink11, netlink12, config_path;
  floor_request floor = {};
};
std::map<Scenario, Encoded> g_encoded;

void EncodeAll(const std::vector<Scenario>& scenarios) {
  for (Scenario s : scenarios) {
    Encoded e;
    auto frame =
        codec::EncodeRequestFrame(MakeRequest(s, /*by_pid=*/true, g_target));
    auto nl11 = codec::EncodeNetlink(MakeRequest(s, false, g_target),
                                     codec::RuncDialect::kRunc11);
    auto nl12 = codec::EncodeNetlink(MakeRequest(s, false, g_target),
                                     codec::RuncDialect::kRunc12);
    if (!frame.ok() || !nl11.ok() || !nl12.ok()) {
      Die(absl::StrCat("encoding ", ScenarioName(s), ": ",
                       frame.status().ToString(), nl11.status().ToString()));
    }
    e.frame = *frame;
    v1::BootstrapRequest noids = MakeRequest(s, /*by_pid=*/true, g_target);
    noids.set_schema_version(2);
    noids.mutable_options()->set_skip_namespace_ids(true);
    auto frame_noids = codec::EncodeRequestFrame(noids);
    if (!frame_noids.ok()) Die(frame_noids.status().ToString());
    e.frame_noids = *frame_noids;
    e.netlink11 = *nl11;
    e.netlink12 = *nl12;
    if (s != Scenario::kJoin) {
      std::string text;
      google::protobuf::TextFormat::PrintToString(
          MakeRequest(s, false, g_target), &text);
      e.config_path =
          absl::StrCat(g_paths.tmpdir, "/", ScenarioName(s), ".textproto");
      FILE* f = fopen(e.config_path.c_str(), "w");
      if (f == nullptr) Die("cannot write " + e.config_path);
      fputs(text.c_str(), f);
      fclose(f);
    }
    e.floor.mode = s == Scenario::kCreate ? FLOOR_CREATE
                   : s == Scenario::kJoin ? FLOOR_JOIN
                                          : FLOOR_USER;
    e.floor.flags = s == Scenario::kJoin ? kJoinFlags : kCreateFlags;
    e.floor.target_pid = g_target;
    e.floor.map_len = strlen(kMap);
    memcpy(e.floor.map, kMap, strlen(kMap));
    g_encoded[s] = e;
  }
}

const std::vector<std::string> kBaseEnv = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
#if defined(__SANITIZE_ADDRESS__)
    // Under --config=asan the hosts are sanitized too. LeakSanitizer reads
    // /proc/<pid>/task at exit, which a final process that joined another
    // pid and mount namespace (the join scenario) cannot see: it would fail
    // the bootstrap. The hook's leaks are checked by its own tests.
    "ASAN_OPTIONS=detect_leaks=0",
#endif
};

// Reads runc's pid JSON line.
bool ReadRuncPidLine(int sock, int* stage1, int* stage2, std::string* error) {
  const std::string line = ReadLine(sock);
  if (sscanf(line.c_str(), "{\"stage1_pid\":%d,\"stage2_pid\":%d}", stage1,
             stage2) == 2) {
    return true;
  }
  *error = "bad pid line: " + line;
  return false;
}

// Reads native reply frames until Pids or Error.
bool ReadNativePids(int sock, int* stage1, int* stage2, std::string* error) {
  for (;;) {
    char header[codec::kFrameHeaderSize];
    if (!ReadExactly(sock, header, sizeof(header))) {
      *error = "EOF before Pids";
      return false;
    }
    auto parsed =
        codec::ParseFrameHeader(absl::string_view(header, sizeof(header)));
    if (!parsed.ok()) {
      *error = parsed.status().ToString();
      return false;
    }
    std::string frame(header, sizeof(header));
    frame.resize(sizeof(header) + parsed->payload_size);
    if (!ReadExactly(sock, &frame[sizeof(header)], parsed->payload_size)) {
      *error = "short frame";
      return false;
    }
    auto reply = codec::DecodeReplyFrame(frame);
    if (!reply.ok()) {
      *error = reply.status().ToString();
      return false;
    }
    if (reply->has_error()) {
      *error = reply->error().message();
      return false;
    }
    if (reply->has_pids()) {
      *stage1 = reply->pids().stage1_pid();
      *stage2 = reply->pids().stage2_pid();
      return true;
    }
  }
}

// Every row execs its own copy of its binary, made the same way for all and
// at the same time, at the start of the run (util-linux's unshare and
// nsenter too, since session 8): rows sharing one file (four share
// --nsboot_host) keep its image warmer in the CPU caches than a row whose
// binary runs once per iteration (11-16 us per join round trip), and how
// and when a file was written moves it too: a copy of the 6 MB CLI made 25
// minutes earlier ran 174 us slower per run than a fresh copy of the same
// build, with part of it paged out (see BENCHMARKS.md, "What is measured").
const std::string& RowBinary(Kind kind, const std::string& src) {
  // Keyed by the source too: the util-linux row has two binaries.
  static std::map<std::pair<Kind, std::string>, std::string> copies;
  auto it = copies.find({kind, src});
  if (it != copies.end()) return it->second;
  const size_t slash = src.rfind('/');
  const std::string dst =
      kind == Kind::kUtilLinux
          ? absl::StrCat(g_paths.tmpdir, "/util-linux-",
                         src.substr(slash == std::string::npos ? 0 : slash + 1))
          : absl::StrCat(g_paths.tmpdir, "/host-", static_cast<int>(kind),
                         ".bin");
  // copy_file_range, as cp does: a copy written through write(2) in 64 KiB
  // pieces measured ~15 us slower per round trip than cp's copy of the
  // same bytes (how the page cache holds it).
  const int in = open(src.c_str(), O_RDONLY | O_CLOEXEC);
  const int out =
      open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  struct stat st;
  if (in < 0 || out < 0 || fstat(in, &st) != 0) Die("copying " + src);
  off_t left = st.st_size;
  while (left > 0) {
    const ssize_t n = copy_file_range(in, nullptr, out, nullptr,
                                      static_cast<size_t>(left), 0);
    if (n <= 0) Die("copying " + src);
    left -= n;
  }
  close(in);
  if (close(out) != 0) Die("copying " + src);
  if (chmod(dst.c_str(), 0755) != 0) Die("chmod " + dst);
  return copies[{kind, src}] = dst;
}

// One round trip through a pre-main host (or the floor).
Sample RunHost(Kind kind, Scenario s) {
  Sample out;
  const Encoded& e = g_encoded[s];
  std::string binary;
  std::vector<std::string> env = kBaseEnv;
  const std::string* request = nullptr;
  std::string floor_bytes(reinterpret_cast<const char*>(&e.floor),
                          sizeof(e.floor));
  switch (kind) {
    case Kind::kFloor:
    case Kind::kFloorExit:
    case Kind::kFloorVm:
      binary = RowBinary(kind, kind == Kind::kFloor       ? g_paths.floor
                               : kind == Kind::kFloorExit ? g_paths.floor_exit
                                                          : g_paths.floor_vm);
      request = &floor_bytes;
      break;
    case Kind::kNsbootNative:
      binary = RowBinary(kind, g_paths.nsboot_host);
      env.push_back("NSBOOT_INITPIPE=3");
      request = &e.frame;
      break;
    case Kind::kNsbootNativeNoIds:
      binary = RowBinary(kind, g_paths.nsboot_host);
      env.push_back("NSBOOT_INITPIPE=3");
      request = &e.frame_noids;
      break;
    case Kind::kNsbootNativeCxx:
      binary = RowBinary(kind, g_paths.nsboot_host_cxx);
      if (g_cxx_request == "runc12") {
        env.push_back("_LIBCONTAINER_INITPIPE=3");
        env.push_back("NSBOOT_RUNC_DIALECT=12");
        request = &e.netlink12;
      } else {
        env.push_back("NSBOOT_INITPIPE=3");
        request = g_cxx_request == "noids" ? &e.frame_noids : &e.frame;
      }
      break;
    case Kind::kNsbootRunc12:
      binary = RowBinary(kind, g_paths.nsboot_host);
      env.push_back("_LIBCONTAINER_INITPIPE=3");
      env.push_back("NSBOOT_RUNC_DIALECT=12");
      request = &e.netlink12;
      break;
    case Kind::kNsbootRunc11:
    case Kind::kNsbootRunc11Bind:
    case Kind::kNsbootRunc11Reexec:
      binary = RowBinary(kind, kind == Kind::kNsbootRunc11 ? g_paths.nsboot_host
                               : kind == Kind::kNsbootRunc11Bind
                                   ? g_paths.nsboot_host_bindseal
                                   : g_paths.nsboot_host_reexec);
      env.push_back("_LIBCONTAINER_INITPIPE=3");
      env.push_back("NSBOOT_RUNC_DIALECT=11");
      request = &e.netlink11;
      break;
    case Kind::kRuncNsexec:
      binary = RowBinary(kind, g_paths.runc_host);
      env.push_back("_LIBCONTAINER_INITPIPE=3");
      request = &e.netlink11;
      break;
    default:
      Die("not a host kind");
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) Die("socketpair");
  int report[2] = {-1, -1};
  if (!g_launcher.empty() && pipe2(report, O_CLOEXEC) != 0) Die("pipe");
  double t0 = NowUs();
  pid_t host = Spawn({binary}, env, sv[1], report[1]);
  close(sv[1]);
  if (report[1] >= 0) close(report[1]);
  if (host < 0) {
    close(sv[0]);
    out.error = "spawn failed";
    return out;
  }
  int stage1 = -1, stage2 = -1;
  bool got = WriteAll(sv[0], *request);
  if (!got) out.error = "write failed";
  if (got) {
    switch (kind) {
      case Kind::kFloor:
      case Kind::kFloorExit:
      case Kind::kFloorVm: {
        int32_t pid;
        got = ReadExactly(sv[0], &pid, sizeof(pid));
        stage2 = pid;
        if (!got) out.error = "no pid from the floor host";
        break;
      }
      case Kind::kNsbootNative:
      case Kind::kNsbootNativeNoIds:
        got = ReadNativePids(sv[0], &stage1, &stage2, &out.error);
        break;
      case Kind::kNsbootNativeCxx:
        got = g_cxx_request == "runc12"
                  ? ReadRuncPidLine(sv[0], &stage1, &stage2, &out.error)
                  : ReadNativePids(sv[0], &stage1, &stage2, &out.error);
        break;
      case Kind::kNsbootRunc11:
      case Kind::kNsbootRunc11Bind:
      case Kind::kNsbootRunc11Reexec:
      case Kind::kRuncNsexec: {
        char nul = 'x';
        got = read(sv[0], &nul, 1) == 1 && nul == '\0';
        if (!got) {
          out.error = "no NUL byte";
          break;
        }
      }
      // fall through
      case Kind::kNsbootRunc12:
        got = ReadRuncPidLine(sv[0], &stage1, &stage2, &out.error);
        break;
      case Kind::kCli:  // not hosts: RunCommandOnce
      case Kind::kCliSlot:
      case Kind::kUtilLinux:
        break;
    }
    // Every host reports the final process, which the clock must include.
    if (got && stage2 <= 0) {
      got = false;
      out.error = "no stage 2 pid read";
    }
  }
  int host_status, s1 = 0, s2 = 0;
  if (report[0] >= 0) {
    // The launcher reaped everything; it reports "PID STATUS MAXRSS".
    host_status = -1;
    std::string text;
    char buf[512];
    ssize_t n;
    while ((n = read(report[0], buf, sizeof(buf))) > 0) text.append(buf, n);
    close(report[0]);
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      int pid = 0, status = 0;
      long rss = 0;
      if (sscanf(std::string(line).c_str(), "%d %d %ld", &pid, &status, &rss) != 3) continue;
      if (pid == stage1) {
        s1 = status;
        out.rss[1] = rss;
      } else if (pid == stage2) {
        s2 = status;
        out.rss[2] = rss;
      } else {
        host_status = status;
        out.rss[0] = rss;
      }
    }
    if (Reap(host, nullptr) != 0) host_status = -1;
  } else {
    host_status = Reap(host, &out.rss[0]);
    s1 = stage1 > 0 ? Reap(stage1, &out.rss[1]) : 0;
    s2 = stage2 > 0 ? Reap(stage2, &out.rss[2]) : 0;
  }
  double t1 = NowUs();
  close(sv[0]);
  out.us = t1 - t0;
  out.ok = got && host_status == 0 && s1 == 0 && s2 == 0;
  if (got && !out.ok) {
    out.error = absl::StrCat("exit statuses host ", host_status, " stage1 ",
                             s1, " stage2 ", s2);
  }
  return out;
}

std::vector<std::string> CommandFor(Kind kind, Scenario s) {
  const Encoded& e = g_encoded[s];
  if (kind == Kind::kCli || kind == Kind::kCliSlot) {
    std::vector<std::string> argv = {
        RowBinary(kind, kind == Kind::kCli ? g_paths.nsboot_cli
                                           : g_paths.nsboot_cli_b),
        "run"};
    if (s == Scenario::kJoin) {
      argv.insert(argv.end(), {"--join", std::to_string(g_target)});
    } else if (s == Scenario::kCreate) {
      // unshare(1)'s flags, as the util-linux row gets them.
      argv.insert(argv.end(), {"--net", "--uts", "--ipc", "--mount", "--pid"});
    } else {
      argv.insert(argv.end(), {"--config", e.config_path});
    }
    argv.insert(argv.end(), {"--", g_paths.true_bin});
    return argv;
  }
  switch (s) {
    case Scenario::kCreate:
      return {RowBinary(kind, g_paths.unshare), "--net", "--uts", "--ipc",
              "--mount", "--pid", "--fork", "--propagation", "unchanged",
              g_paths.true_bin};
    case Scenario::kJoin:
      return {RowBinary(kind, g_paths.nsenter), "--all", "--target",
              std::to_string(g_target), g_paths.true_bin};
    case Scenario::kUser:
      // The maps go through newuidmap/newgidmap (util-linux's way), which
      // needs /etc/subuid and /etc/subgid; see SetUpSubids.
      return {RowBinary(kind, g_paths.unshare), "--user",
              "--map-users=100000,0,65536",
              "--map-groups=100000,0,65536", "--setuid", "0", "--setgid", "0",
              "--net", "--uts", "--ipc", "--mount", "--pid", "--fork",
              "--propagation", "unchanged", g_paths.true_bin};
  }
  return {};
}

// One run of a command-line tool: spawn, wait.
Sample RunCommand(Kind kind, Scenario s) {
  Sample out;
  std::vector<std::string> argv = CommandFor(kind, s);
  int report[2] = {-1, -1};
  if (!g_launcher.empty() && pipe2(report, O_CLOEXEC) != 0) Die("pipe");
  double t0 = NowUs();
  pid_t pid = Spawn(argv, kBaseEnv, -1, report[1]);
  if (report[1] >= 0) close(report[1]);
  int status = pid > 0 ? Reap(pid, &out.rss[0]) : -1;
  out.us = NowUs() - t0;
  if (report[0] >= 0) {
    char buf[128] = {};
    ssize_t n = read(report[0], buf, sizeof(buf) - 1);
    close(report[0]);
    int p = 0;
    if (n <= 0 || sscanf(buf, "%d %d %ld", &p, &status, &out.rss[0]) != 3) {
      status = -1;
    }
  }
  out.ok = status == 0;
  if (!out.ok) {
    out.error = absl::StrCat(absl::StrJoin(argv, " "), ": status ", status);
  }
  return out;
}

Sample RunOnce(Kind kind, Scenario s) {
  if (IsCommandRow(kind)) return RunCommand(kind, s);
  return RunHost(kind, s);
}

bool Available(Kind kind, std::string* why) {
  auto exists = [&](const std::string& p) {
    if (!p.empty() && access(p.c_str(), X_OK) == 0) return true;
    *why = p.empty() ? "no binary given" : p + " not found";
    return false;
  };
  switch (kind) {
    case Kind::kFloor: return exists(g_paths.floor);
    case Kind::kFloorExit: return exists(g_paths.floor_exit);
    case Kind::kFloorVm: return exists(g_paths.floor_vm);
    case Kind::kNsbootNative:
    case Kind::kNsbootNativeNoIds:
    case Kind::kNsbootRunc12:
    case Kind::kNsbootRunc11: return exists(g_paths.nsboot_host);
    case Kind::kNsbootNativeCxx: return exists(g_paths.nsboot_host_cxx);
    case Kind::kNsbootRunc11Bind: return exists(g_paths.nsboot_host_bindseal);
    case Kind::kNsbootRunc11Reexec: return exists(g_paths.nsboot_host_reexec);
    case Kind::kRuncNsexec: return exists(g_paths.runc_host);
    case Kind::kCli: return exists(g_paths.nsboot_cli);
    case Kind::kCliSlot: return exists(g_paths.nsboot_cli_b);
    case Kind::kUtilLinux:
      return exists(g_paths.unshare) && exists(g_paths.nsenter);
  }
  return false;
}

// util-linux maps a range only through newuidmap/newgidmap, which allow
// root only the ranges /etc/subuid and /etc/subgid grant. Rather than touch
// the machine's files, the benchmark runs in a private mount namespace with
// an overlay on /etc that adds root:100000:65536 (every implementation then
// runs in that same mount namespace).
bool SetUpSubids(std::string* why) {
  std::string dir = g_paths.tmpdir + "/etc";
  mkdir(dir.c_str(), 0755);
  mkdir((dir + "/upper").c_str(), 0755);
  mkdir((dir + "/work").c_str(), 0755);
  for (const char* f : {"/upper/subuid", "/upper/subgid"}) {
    FILE* fp = fopen((dir + f).c_str(), "w");
    if (fp == nullptr) {
      *why = "cannot write " + dir + f;
      return false;
    }
    fputs("root:100000:65536\n", fp);
    fclose(fp);
  }
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = absl::StrCat("private mount namespace: ", strerror(errno));
    return false;
  }
  std::string opts = absl::StrCat("lowerdir=/etc,upperdir=", dir,
                                  "/upper,workdir=", dir, "/work");
  if (mount("overlay", "/etc", "overlay", 0, opts.c_str()) != 0) {
    *why = absl::StrCat("overlay on /etc: ", strerror(errno));
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- stats

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = q * (v.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

std::string LoadAvg() {
  FILE* f = fopen("/proc/loadavg", "r");
  char buf[128] = {};
  if (f != nullptr) {
    if (fgets(buf, sizeof(buf), f) == nullptr) buf[0] = 0;
    fclose(f);
  }
  std::string s(buf);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::vector<std::string> SplitList(const std::string& s) {
  return absl::StrSplit(s, ',', absl::SkipEmpty());
}

// ---------------------------------------------------------------- modes

int RoundTrip() {
  std::vector<Scenario> scenarios;
  for (const auto& n : SplitList(Flag("scenarios", "create,join,user"))) {
    if (n == "create") scenarios.push_back(Scenario::kCreate);
    else if (n == "join") scenarios.push_back(Scenario::kJoin);
    else if (n == "user") scenarios.push_back(Scenario::kUser);
    else Die("unknown scenario " + n);
  }
  std::vector<std::string> wanted = SplitList(Flag(
      "impls", "floor,floor-exit,floor-vm,nsboot-native,nsboot-native-noids,"
               "nsboot-runc12,"
               "nsboot-runc11,"
               "nsboot-runc11-bind,nsboot-runc11-reexec,runc-nsexec,"
               "nsboot-native-cxx,nsboot-cli,util-linux"));
  std::vector<Impl> impls;
  for (const auto& w : wanted) {
    bool found = false;
    for (const Impl& i : kImpls) {
      if (w != i.name) continue;
      found = true;
      std::string why;
      if (Available(i.kind, &why)) {
        impls.push_back(i);
      } else {
        printf("# skipped %s: %s\n", i.name, why.c_str());
      }
    }
    if (!found) Die("unknown implementation " + w);
  }
  bool user_util_linux = true;
  for (const Impl& i : impls) {
    if (i.kind != Kind::kUtilLinux) continue;
    std::string why;
    if (!SetUpSubids(&why)) {
      user_util_linux = false;
      printf("# skipped util-linux/user: %s\n", why.c_str());
    }
  }
  StartJoinTarget();
  EncodeAll(scenarios);

  const int iterations = IntFlag("iterations", 200);
  const int warmup = IntFlag("warmup", 10);
  std::string samples_path = Flag("samples", "");
  FILE* samples = samples_path.empty() ? nullptr : fopen(samples_path.c_str(), "w");
  if (samples != nullptr) {
    fprintf(samples, "scenario\timpl\titer\tus\trss0_kib\trss1_kib\trss2_kib\tok\n");
  }
  printf("# load before: %s\n", LoadAvg().c_str());
  std::map<std::pair<int, std::string>, std::vector<Sample>> results;
  int failures = 0;
  for (int it = 0; it < warmup + iterations; ++it) {
    for (Scenario s : scenarios) {
      for (size_t k = 0; k < impls.size(); ++k) {
        const Impl& impl = impls[(k + it) % impls.size()];
        if (impl.kind == Kind::kUtilLinux && s == Scenario::kUser &&
            !user_util_linux) {
          continue;
        }
        Sample sample = RunOnce(impl.kind, s);
        if (!sample.ok) {
          ++failures;
          fprintf(stderr, "FAIL %s/%s: %s\n", ScenarioName(s), impl.name,
                  sample.error.c_str());
        }
        if (it < warmup) continue;
        if (samples != nullptr) {
          fprintf(samples, "%s\t%s\t%d\t%.1f\t%ld\t%ld\t%ld\t%d\n",
                  ScenarioName(s), impl.name, it - warmup, sample.us,
                  sample.rss[0], sample.rss[1], sample.rss[2], sample.ok);
        }
        if (sample.ok) {
          results[{static_cast<int>(s), impl.name}].push_back(sample);
        }
      }
    }
  }
  printf("# load after: %s\n", LoadAvg().c_str());
  if (samples != nullptr) fclose(samples);
  StopJoinTarget();

  const bool memory = !g_launcher.empty();
  if (memory) {
    printf("# %d iterations, under bench/hosts/rss_launcher.c; medians of "
           "wait4's ru_maxrss\n", iterations);
    printf("| scenario | implementation | n | peak RSS KiB: host = stage 0, "
           "stage 1, stage 2 (final) |\n|---|---|---:|---|\n");
  } else {
    printf("# %d iterations (+%d warm-up), interleaved; times in ms\n",
           iterations, warmup);
    printf("| scenario | implementation | n | median | p10 | p90 | x floor | "
           "x runc-nsexec |\n");
    printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
  }
  for (Scenario s : scenarios) {
    auto median_of = [&](const char* name) {
      auto it = results.find({static_cast<int>(s), name});
      if (it == results.end() || it->second.empty()) return 0.0;
      std::vector<double> v;
      for (const auto& x : it->second) v.push_back(x.us);
      return Percentile(v, 0.5);
    };
    double floor = median_of("floor");
    double runc = median_of("runc-nsexec");
    for (const Impl& impl : impls) {
      auto it = results.find({static_cast<int>(s), impl.name});
      if (it == results.end() || it->second.empty()) continue;
      std::vector<double> us;
      std::vector<double> rss[3];
      for (const auto& x : it->second) {
        us.push_back(x.us);
        for (int k = 0; k < 3; ++k) rss[k].push_back(x.rss[k]);
      }
      double med = Percentile(us, 0.5);
      std::string rss_text;
      if (IsCommandRow(impl.kind)) {
        rss_text = absl::StrCat(static_cast<long>(Percentile(rss[0], 0.5)),
                                " (whole tree)");
      } else if (IsFloorRow(impl.kind)) {
        rss_text = absl::StrCat(static_cast<long>(Percentile(rss[0], 0.5)),
                                ", -, ",
                                static_cast<long>(Percentile(rss[2], 0.5)));
      } else {
        rss_text = absl::StrCat(static_cast<long>(Percentile(rss[0], 0.5)),
                                ", ",
                                static_cast<long>(Percentile(rss[1], 0.5)),
                                ", ",
                                static_cast<long>(Percentile(rss[2], 0.5)));
      }
      if (memory) {
        printf("| %s | %s | %zu | %s |\n", ScenarioName(s), impl.name,
               us.size(), rss_text.c_str());
        continue;
      }
      printf("| %s | %s | %zu | %.3f | %.3f | %.3f | %s | %s |\n",
             ScenarioName(s), impl.name, us.size(), med / 1000,
             Percentile(us, 0.1) / 1000, Percentile(us, 0.9) / 1000,
             floor > 0 ? absl::StrFormat("%.2f", med / floor).c_str() : "-",
             runc > 0 ? absl::StrFormat("%.2f", med / runc).c_str() : "-");
    }
  }
  printf("# failures: %d\n", failures);
  return failures == 0 ? 0 : 1;
}

// Start-up cost of the hook when not triggered: hosts spawned without an
// init pipe, interleaved.
int Inert() {
  struct Host {
    const char* name;
    std::string path;
  };
  std::vector<Host> hosts = {
      {"bare (no hook)", g_paths.bare_host},
      {"nsboot hook (libnsboot.a, libc only)", g_paths.nsboot_host},
      {"nsboot hook, host loading libstdc++ (a C++ program)",
       g_paths.nsboot_host_cxx}};
  if (!g_paths.runc_host.empty() && access(g_paths.runc_host.c_str(), X_OK) == 0) {
    hosts.push_back({"runc 1.1.5 nsexec (constructor)", g_paths.runc_host});
  }
  hosts.erase(std::remove_if(hosts.begin(), hosts.end(),
                             [](const Host& h) {
                               return h.path.empty() ||
                                      access(h.path.c_str(), X_OK) != 0;
                             }),
              hosts.end());
  if (hosts.empty() || hosts[0].path != g_paths.bare_host) Die("--bare_host missing");
  const int iterations = IntFlag("iterations", 2000);
  const int warmup = IntFlag("warmup", 50);
  std::vector<std::vector<double>> us(hosts.size()), rss(hosts.size());
  // Peak RSS, measured apart (not timed) under the static launcher: a child
  // forked from this driver would report the driver's size.
  std::string launcher = Flag("launcher", "");
  for (size_t h = 0; h < hosts.size() && !launcher.empty(); ++h) {
    for (int i = 0; i < 10; ++i) {
      int report[2];
      if (pipe2(report, O_CLOEXEC) != 0) Die("pipe");
      g_launcher = launcher;
      pid_t pid = Spawn({hosts[h].path}, kBaseEnv, -1, report[1]);
      g_launcher.clear();
      close(report[1]);
      char buf[128] = {};
      ssize_t n = read(report[0], buf, sizeof(buf) - 1);
      close(report[0]);
      Reap(pid, nullptr);
      int p = 0, st = 0;
      long maxrss = 0;
      if (n > 0 && sscanf(buf, "%d %d %ld", &p, &st, &maxrss) == 3) {
        rss[h].push_back(maxrss);
      }
    }
  }
  printf("# load before: %s\n", LoadAvg().c_str());
  for (int it = 0; it < warmup + iterations; ++it) {
    for (size_t k = 0; k < hosts.size(); ++k) {
      size_t h = (k + it) % hosts.size();
      double t0 = NowUs();
      pid_t pid = Spawn({hosts[h].path}, kBaseEnv, -1);
      int status = pid > 0 ? Reap(pid, nullptr) : -1;
      double t = NowUs() - t0;
      if (status != 0) Die(hosts[h].path + " failed");
      if (it >= warmup) us[h].push_back(t);
    }
  }
  printf("# load after: %s\n", LoadAvg().c_str());
  printf("# %d spawns each (+%d warm-up), interleaved; spawn to reap, in us\n",
         iterations, warmup);
  printf("| host | median us | p10 | p90 | vs bare | max RSS KiB |\n");
  printf("|---|---:|---:|---:|---:|---:|\n");
  double bare = Percentile(us[0], 0.5);
  for (size_t h = 0; h < hosts.size(); ++h) {
    double med = Percentile(us[h], 0.5);
    printf("| %s | %.1f | %.1f | %.1f | %+.1f%% | %ld |\n", hosts[h].name, med,
           Percentile(us[h], 0.1), Percentile(us[h], 0.9),
           100.0 * (med - bare) / bare,
           static_cast<long>(Percentile(rss[h], 0.5)));
  }
  return 0;
}

// ---------------------------------------------------------------- runs

// One successful bootstrap of a --samples file.
struct SampleRow {
  std::string scenario, impl;
  int iter = 0;
  double us = 0;
};

// The successful bootstraps of a --samples file (the harness's own
// output); a missing file or a malformed line stops the program.
std::vector<SampleRow> ReadSamples(const std::string& file) {
  FILE* f = fopen(file.c_str(), "r");
  if (f == nullptr) Die("cannot read " + file);
  std::vector<SampleRow> rows;
  char line[512];
  bool header = true;
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cols =
        absl::StrSplit(absl::StripTrailingAsciiWhitespace(line), '\t');
    SampleRow row;
    if (cols.size() != 8 || !absl::SimpleAtoi(cols[2], &row.iter) ||
        !absl::SimpleAtod(cols[3], &row.us)) {
      Die(absl::StrCat(file, ": not a --samples line: ", line));
    }
    if (cols[7] != "1") continue;  // a failed bootstrap has no time
    row.scenario = cols[0];
    row.impl = cols[1];
    rows.push_back(std::move(row));
  }
  fclose(f);
  return rows;
}

// Several runs of --mode=roundtrip, each a process of its own, read back from
// their --samples files. One run's ratio is precise about that run (its
// iterations interleave), but runs differ from each other by more than that
// precision (why is not pinned down: placement on the vCPUs, the join
// target, address-space layouts are candidates). A ratio on a target's line
// is read here against that spread: per scenario and implementation, the
// median over the runs of each run's median, and the least and greatest of
// the runs' ratios.
int Runs() {
  const std::vector<std::string> files = SplitList(Flag("runs", ""));
  if (files.empty()) Die("--mode=runs needs --runs=FILE[,FILE...]");
  using Key = std::pair<std::string, std::string>;  // scenario, impl
  std::vector<std::map<Key, std::vector<double>>> runs;
  std::vector<std::string> scenarios, impls;  // in the order first seen
  auto note = [](std::vector<std::string>* seen, const std::string& v) {
    if (std::find(seen->begin(), seen->end(), v) == seen->end()) {
      seen->push_back(v);
    }
  };
  for (const std::string& file : files) {
    std::map<Key, std::vector<double>> run;
    for (const SampleRow& row : ReadSamples(file)) {
      note(&scenarios, row.scenario);
      note(&impls, row.impl);
      run[{row.scenario, row.impl}].push_back(row.us);
    }
    runs.push_back(std::move(run));
  }
  // The samples rotate the implementations; print them in kImpls' order.
  auto rank = [](const std::string& name) {
    for (size_t i = 0; i < sizeof(kImpls) / sizeof(kImpls[0]); ++i) {
      if (name == kImpls[i].name) return i;
    }
    return sizeof(kImpls) / sizeof(kImpls[0]);
  };
  std::stable_sort(impls.begin(), impls.end(),
                   [&](const std::string& a, const std::string& b) {
                     return rank(a) < rank(b);
                   });
  printf("# %zu runs; per run the median, then across the runs: the median "
         "of those (ms), and of each ratio the median [least, greatest]\n",
         runs.size());
  printf("| scenario | implementation | runs | median | x floor | "
         "x runc-nsexec |\n|---|---|---:|---:|---:|---:|\n");
  auto spread = [](std::vector<double> v) -> std::string {
    if (v.empty()) return "-";
    std::sort(v.begin(), v.end());
    return absl::StrFormat("%.2f [%.2f, %.2f]", Percentile(v, 0.5), v.front(),
                           v.back());
  };
  for (const std::string& sc : scenarios) {
    for (const std::string& impl : impls) {
      std::vector<double> medians, x_floor, x_runc;
      for (const auto& run : runs) {
        auto median = [&](const std::string& name) {
          auto it = run.find({sc, name});
          return it == run.end() ? 0.0 : Percentile(it->second, 0.5);
        };
        const double m = median(impl);
        if (m == 0) continue;
        medians.push_back(m);
        const double floor = median("floor"), runc = median("runc-nsexec");
        if (floor > 0) x_floor.push_back(m / floor);
        if (runc > 0) x_runc.push_back(m / runc);
      }
      if (medians.empty()) continue;
      printf("| %s | %s | %zu | %.3f | %s | %s |\n", sc.c_str(), impl.c_str(),
             medians.size(), Percentile(medians, 0.5) / 1000,
             spread(x_floor).c_str(), spread(x_runc).c_str());
    }
  }
  return 0;
}

// --mode=ab: two builds, A and B, timed in two runs with their slots
// swapped: --forward has A in the --row implementation and B in the --slot
// one, --reverse the other way round. Per scenario, each run's median of
// the iterations' paired differences (row - slot) is +-(A - B) plus the
// slots' own difference; half the difference of the two runs' medians
// cancels the latter (BENCHMARKS.md, "How to A/B two builds of the hook").
// The interval resamples the iterations of both runs (1000 times).
int AB() {
  const std::string forward = Flag("forward", ""), reverse = Flag("reverse", "");
  if (forward.empty() || reverse.empty()) {
    Die("--mode=ab needs --forward=FILE and --reverse=FILE");
  }
  const std::string row = Flag("row", "nsboot-runc12");
  const std::string slot = Flag("slot", "nsboot-native-cxx");
  using Pairs = std::vector<std::pair<double, double>>;  // row, slot
  // Per scenario, the iterations where both bootstraps succeeded.
  auto pairs_of = [&](const std::string& file,
                      std::vector<std::string>* scenarios) {
    std::map<std::string, std::map<int, std::pair<double, double>>> by_iter;
    for (const SampleRow& r : ReadSamples(file)) {
      if (r.impl != row && r.impl != slot) continue;
      if (scenarios != nullptr &&
          std::find(scenarios->begin(), scenarios->end(), r.scenario) ==
              scenarios->end()) {
        scenarios->push_back(r.scenario);
      }
      auto& p = by_iter[r.scenario][r.iter];
      (r.impl == row ? p.first : p.second) = r.us;
    }
    std::map<std::string, Pairs> out;
    for (const auto& [sc, iters] : by_iter) {
      for (const auto& [it, p] : iters) {
        if (p.first > 0 && p.second > 0) out[sc].push_back(p);
      }
    }
    return out;
  };
  std::vector<std::string> scenarios;
  const auto fwd = pairs_of(forward, &scenarios);
  const auto rev = pairs_of(reverse, nullptr);
  auto median_diff = [](const Pairs& p) {
    std::vector<double> d;
    for (const auto& [a, b] : p) d.push_back(a - b);
    return Percentile(d, 0.5);
  };
  auto median_of = [](const Pairs& p, bool first) {
    std::vector<double> v;
    for (const auto& [a, b] : p) v.push_back(first ? a : b);
    return Percentile(v, 0.5);
  };
  printf("# A/B of two builds, both slot orders: A is the %s row of %s and "
         "the %s row of %s\n",
         row.c_str(), forward.c_str(), slot.c_str(), reverse.c_str());
  printf("| scenario | n | A median us | B median us | A - B us | 95%% | "
         "slots' own difference us |\n|---|---:|---:|---:|---:|---|---:|\n");
  std::mt19937 rng(1);
  for (const std::string& sc : scenarios) {
    auto f = fwd.find(sc);
    auto r = rev.find(sc);
    if (f == fwd.end() || r == rev.end() || f->second.empty() ||
        r->second.empty()) {
      Die(absl::StrCat("--mode=ab: no paired ", row, " and ", slot, " in ",
                       sc, " of both runs"));
    }
    const Pairs& a = f->second;
    const Pairs& b = r->second;
    const double fd = median_diff(a), rd = median_diff(b);
    std::vector<double> boot;
    for (int i = 0; i < 1000; ++i) {
      Pairs ra, rb;
      for (size_t k = 0; k < a.size(); ++k) ra.push_back(a[rng() % a.size()]);
      for (size_t k = 0; k < b.size(); ++k) rb.push_back(b[rng() % b.size()]);
      boot.push_back((median_diff(ra) - median_diff(rb)) / 2);
    }
    printf("| %s | %zu+%zu | %.1f | %.1f | %+.1f | [%+.1f, %+.1f] | %+.1f |\n",
           sc.c_str(), a.size(), b.size(),
           (median_of(a, true) + median_of(b, false)) / 2,
           (median_of(a, false) + median_of(b, true)) / 2, (fd - rd) / 2,
           Percentile(boot, 0.025), Percentile(boot, 0.975), (fd + rd) / 2);
  }
  return 0;
}

// ---------------------------------------------------------------- soak

struct Counts {
  int fds = 0;          // our own open fds
  int children = 0;     // processes whose parent is us (zombies included)
  int zombies = 0;      // zombies anywhere on the machine
  int mounts_self = 0;  // lines of /proc/self/mountinfo
  int mounts_init = 0;  // lines of /proc/1/mountinfo
  long rss_kib = 0;     // our VmRSS
  long shmem_kib = 0;   // Shmem (memfd copies live there)
  long avail_kib = 0;   // MemAvailable
};

int CountLines(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == nullptr) return -1;
  int n = 0;
  int c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

long FieldKib(const char* path, const char* field) {
  FILE* f = fopen(path, "r");
  if (f == nullptr) return -1;
  char line[256];
  long v = -1;
  size_t n = strlen(field);
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      v = atol(line + n + 1);
      break;
    }
  }
  fclose(f);
  return v;
}

Counts Count() {
  Counts c;
  DIR* d = opendir("/proc/self/fd");
  while (struct dirent* e = readdir(d)) c.fds += e->d_name[0] != '.';
  closedir(d);
  c.fds -= 1;  // the directory itself
  pid_t self = getpid();
  d = opendir("/proc");
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string path = absl::StrCat("/proc/", e->d_name, "/stat");
    FILE* f = fopen(path.c_str(), "r");
    if (f == nullptr) continue;
    char buf[512];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char* rp = strrchr(buf, ')');
    if (rp == nullptr) continue;
    char state;
    int ppid;
    if (sscanf(rp + 2, "%c %d", &state, &ppid) != 2) continue;
    if (state == 'Z') ++c.zombies;
    if (ppid == self) ++c.children;
  }
  closedir(d);
  c.mounts_self = CountLines("/proc/self/mountinfo");
  c.mounts_init = CountLines("/proc/1/mountinfo");
  c.rss_kib = FieldKib("/proc/self/status", "VmRSS");
  c.shmem_kib = FieldKib("/proc/meminfo", "Shmem");
  c.avail_kib = FieldKib("/proc/meminfo", "MemAvailable");
  return c;
}

void PrintCounts(const char* label, const Counts& c) {
  printf("%s: fds=%d children=%d zombies(machine)=%d mounts(self)=%d "
         "mounts(pid1)=%d VmRSS=%ldKiB Shmem=%ldKiB MemAvailable=%ldKiB\n",
         label, c.fds, c.children, c.zombies, c.mounts_self, c.mounts_init,
         c.rss_kib, c.shmem_kib, c.avail_kib);
}

int Soak() {
  const int count = IntFlag("count", 1000);
  const int parallel = std::max(1, IntFlag("parallel", 1));
  Scenario s = Flag("scenario", "create") == "user" ? Scenario::kUser
               : Flag("scenario", "create") == "join" ? Scenario::kJoin
                                                       : Scenario::kCreate;
  std::vector<Impl> impls;
  for (const auto& w : SplitList(Flag("impls", "nsboot-cli,nsboot-native"))) {
    for (const Impl& i : kImpls) {
      if (w == i.name) impls.push_back(i);
    }
  }
  StartJoinTarget();
  EncodeAll({s});
  int total_failures = 0;
  for (const Impl& impl : impls) {
    std::string why;
    if (!Available(impl.kind, &why)) {
      printf("soak %s: skipped: %s\n", impl.name, why.c_str());
      continue;
    }
    // One warm-up so that lazily created state (page cache, the kernel's
    // caches) is not counted as growth.
    RunOnce(impl.kind, s);
    Counts before = Count();
    double t0 = NowUs();
    int failures = 0;
    std::vector<pid_t> workers;
    for (int w = 0; w < parallel; ++w) {
      int n = count / parallel + (w < count % parallel ? 1 : 0);
      if (parallel == 1) {
        for (int i = 0; i < n; ++i) {
          Sample x = RunOnce(impl.kind, s);
          if (!x.ok) {
            ++failures;
            fprintf(stderr, "soak %s: %s\n", impl.name, x.error.c_str());
          }
        }
        break;
      }
      pid_t pid = fork();
      if (pid == 0) {
        int f = 0;
        for (int i = 0; i < n; ++i) {
          Sample x = RunOnce(impl.kind, s);
          if (!x.ok) {
            ++f;
            fprintf(stderr, "soak %s: %s\n", impl.name, x.error.c_str());
          }
        }
        _exit(std::min(f, 255));
      }
      workers.push_back(pid);
    }
    for (pid_t w : workers) {
      int st = Reap(w, nullptr);
      failures += st < 0 ? 1 : st;
    }
    double secs = (NowUs() - t0) / 1e6;
    Counts after = Count();
    printf("soak %s/%s: %d bootstraps, %d-way, %.1f s, %d failures\n",
           impl.name, ScenarioName(s), count, parallel, secs, failures);
    PrintCounts("  before", before);
    PrintCounts("  after ", after);
    total_failures += failures;
  }
  StopJoinTarget();
  return total_failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bench
}  // namespace nsboot

int main(int argc, char** argv) {
  using namespace nsboot::bench;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) Die("unexpected argument " + a);
    size_t eq = a.find('=');
    if (eq == std::string::npos) {
      g_flags[a.substr(2)] = "1";
    } else {
      g_flags[a.substr(2, eq - 2)] = a.substr(eq + 1);
    }
  }
  if (Flag("mode", "") == "runs") return Runs();  // reads files only
  if (Flag("mode", "") == "ab") return AB();      // reads files only
  if (geteuid() != 0) Die("needs root (namespaces, id maps)");
  g_paths.floor = Flag("floor", "");
  g_paths.floor_exit = Flag("floor_exit", "");
  g_paths.floor_vm = Flag("floor_vm", "");
  g_paths.nsboot_host = Flag("nsboot_host", "");
  g_paths.nsboot_host_cxx = Flag("nsboot_host_cxx", "");
  g_cxx_request = Flag("cxx_request", "native");
  if (g_cxx_request != "native" && g_cxx_request != "noids" &&
      g_cxx_request != "runc12") {
    Die("--cxx_request must be native, noids or runc12");
  }
  g_paths.nsboot_host_bindseal = Flag("nsboot_host_bindseal", "");
  g_paths.nsboot_host_reexec = Flag("nsboot_host_reexec", "");
  g_paths.bare_host = Flag("bare_host", "");
  g_paths.runc_host = Flag("runc_host", "");
  g_paths.nsboot_cli = Flag("nsboot", "");
  g_paths.nsboot_cli_b = Flag("nsboot_b", "");
  g_paths.true_bin = Flag("true", "/bin/true");
  g_paths.unshare = Flag("unshare", "/usr/bin/unshare");
  g_paths.nsenter = Flag("nsenter", "/usr/bin/nsenter");
  char tmpl[] = "/tmp/nsboot-bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp");
  g_paths.tmpdir = tmpl;
  std::string mode = Flag("mode", "roundtrip");
  int rc;
  if (mode == "memory") {
    g_launcher = Flag("launcher", "");
    if (access(g_launcher.c_str(), X_OK) != 0) Die("--mode=memory needs --launcher");
    if (!g_flags.count("iterations")) g_flags["iterations"] = "20";
    if (!g_flags.count("warmup")) g_flags["warmup"] = "1";
    mode = "roundtrip";
  }
  if (mode == "roundtrip") rc = RoundTrip();
  else if (mode == "inert") rc = Inert();
  else if (mode == "soak") rc = Soak();
  else Die("unknown mode " + mode);
  fflush(stdout);
  std::string rm = absl::StrCat("rm -rf ", g_paths.tmpdir);
  if (system(rm.c_str()) != 0) fprintf(stderr, "roundtrip: cleanup failed\n");
  return rc;
}
