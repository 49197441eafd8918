#include "cli/run_command.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "cli/exit_codes.h"
#include "codec/netlink.h"
#include "executor/plan.h"
#include "executor/reply_sink.h"
#include "executor/run.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace cli {

const char kRunHelp[] =
    "usage: nsboot run [--config FILE | NAMESPACE FLAGS] [--join PID] [--json]\n"
    "                  [--] CMD [ARGS...]\n"
    "Runs CMD inside namespaces. Without --config: new user, pid, mount, uts,\n"
    "ipc and net namespaces, your uid and gid mapped to root. --config takes\n"
    "a BootstrapRequest (text proto, JSON, or wire bytes). Namespace flags, as\n"
    "unshare(1) spells them, create just those instead: -m/--mount, -u/--uts,\n"
    "-i/--ipc, -n/--net, -p/--pid, -U/--user (your uid and gid mapped to\n"
    "root), -C/--cgroup, -T/--time. --join PID joins every namespace of PID\n"
    "that differs from ours and is not created (like nsenter --all).\n"
    "--json prints the pids and namespace ids to stderr before CMD runs.\n"
    "Exit: CMD's status (128+N for signal N); 125 nsboot failed, 126 CMD not\n"
    "executable, 127 CMD not found, 2 usage, 65 invalid config, 66 cannot\n"
    "open the config.\n";

namespace {

// Every namespace type, in the order --json and --join list them.
constexpr v1::Namespace kNsTypes[] = {
    v1::NAMESPACE_USER,   v1::NAMESPACE_MOUNT, v1::NAMESPACE_UTS,
    v1::NAMESPACE_IPC,    v1::NAMESPACE_PID,   v1::NAMESPACE_NET,
    v1::NAMESPACE_CGROUP, v1::NAMESPACE_TIME,
};

// unshare(1)'s namespace flags.
struct NsFlag {
  const char* flag;
  const char* short_flag;
  v1::Namespace type;
};
constexpr NsFlag kNsFlags[] = {
    {"--mount", "-m", v1::NAMESPACE_MOUNT},
    {"--uts", "-u", v1::NAMESPACE_UTS},
    {"--ipc", "-i", v1::NAMESPACE_IPC},
    {"--net", "-n", v1::NAMESPACE_NET},
    {"--pid", "-p", v1::NAMESPACE_PID},
    {"--user", "-U", v1::NAMESPACE_USER},
    {"--cgroup", "-C", v1::NAMESPACE_CGROUP},
    {"--time", "-T", v1::NAMESPACE_TIME},
};

// The link text of PROC_DIR/ns/NAME, "NAME:[INODE]", which names the
// namespace (all of them live on the one nsfs): unlike a stat, reading it
// builds no nsfs inode. Empty if it cannot be read.
std::string NsLink(const std::string& proc_dir, const char* name) {
  char buf[64];
  const ssize_t n =
      readlink(absl::StrCat(proc_dir, "/ns/", name).c_str(), buf, sizeof(buf));
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// Finds CMD like execvp would; returns the path or an exit code in *code.
std::string ResolveCommand(const std::string& cmd, int* code, int* err) {
  auto runnable = [&](const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      *err = errno;
      return false;
    }
    if (S_ISDIR(st.st_mode) || access(path.c_str(), X_OK) != 0) {
      *err = S_ISDIR(st.st_mode) ? EISDIR : errno;
      *code = kExitCannotExec;
      return false;
    }
    return true;
  };
  *code = kExitNotFound;
  *err = ENOENT;
  if (cmd.find('/') != std::string::npos) {
    return runnable(cmd) ? cmd : "";
  }
  const char* path = getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    std::string candidate =
        absl::StrCat(dir.empty() ? "." : dir, "/", cmd);
    if (runnable(candidate)) return candidate;
  }
  return "";
}

int WaitStatus(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t g_forward_to = 0;
void ForwardSignal(int sig) {
  if (g_forward_to > 0) kill(g_forward_to, sig);
}

std::string JsonReport(const v1::plain::Pids& pids) {
  std::string json = absl::StrCat("{\"stage1_pid\":", pids.stage1_pid,
                                  ",\"stage2_pid\":", pids.stage2_pid,
                                  ",\"namespaces\":{");
  // What the command's process is in, as stage 0 read it before releasing
  // the process (reading /proc/PID/ns later races with a command that exits
  // at once, and this process may by then be in a joined mount namespace
  // whose /proc is another). A type stage 0 could not read is left out.
  bool first = true;
  for (const v1::Namespace type : kNsTypes) {
    uint64_t inode = 0;
    for (const v1::plain::NamespaceId& id : pids.namespaces) {
      if (id.type == type) inode = id.inode;
    }
    if (inode == 0) continue;
    absl::StrAppend(&json, first ? "" : ",", "\"",
                    executor::NamespaceName(type), "\":", inode);
    first = false;
  }
  return json + "}}";
}

// nsboot run's replies. This process is stage 0, so the executor hands them
// here rather than to a framed pipe: the Pids (and --json's report of them,
// printed before the command is released) and the Error, if any.
class RunSink : public executor::ReplySink {
 public:
  // `json`: where --json's report goes; nullptr without --json.
  explicit RunSink(std::ostream* json) : json_(json) {}

  Status Send(const v1::plain::BootstrapReply& reply,
              const executor::Attachments&) override {
    if (reply.kind == v1::plain::BootstrapReply::Kind::kPids) {
      pids_ = reply.pids;
      have_pids_ = true;
      if (json_ != nullptr) *json_ << JsonReport(pids_) << std::endl;
    } else if (reply.kind == v1::plain::BootstrapReply::Kind::kError) {
      error_ = reply.error;
      have_error_ = true;
    }
    return OkStatus();
  }

  bool have_pids() const { return have_pids_; }
  bool have_error() const { return have_error_; }
  const v1::plain::Pids& pids() const { return pids_; }
  const v1::plain::Error& error() const { return error_; }

 private:
  std::ostream* json_;
  v1::plain::Pids pids_;
  v1::plain::Error error_;
  bool have_pids_ = false;
  bool have_error_ = false;
};

}  // namespace

v1::BootstrapRequest DefaultRunRequest(uint32_t uid, uint32_t gid) {
  return CreateRunRequest({v1::NAMESPACE_MOUNT, v1::NAMESPACE_UTS,
                           v1::NAMESPACE_IPC, v1::NAMESPACE_USER,
                           v1::NAMESPACE_PID, v1::NAMESPACE_NET},
                          uid, gid);
}

v1::BootstrapRequest CreateRunRequest(const std::vector<v1::Namespace>& create,
                                      uint32_t uid, uint32_t gid) {
  v1::BootstrapRequest request;
  request.set_schema_version(1);
  bool user = false;
  for (v1::Namespace ns : create) {
    request.add_create_namespaces(ns);
    user |= ns == v1::NAMESPACE_USER;
  }
  if (!user) return request;
  auto* u = request.add_uid_mappings();
  u->set_container_id(0);
  u->set_host_id(uid);
  u->set_size(1);
  auto* g = request.add_gid_mappings();
  g->set_container_id(0);
  g->set_host_id(gid);
  g->set_size(1);
  request.set_setgroups(v1::SETGROUPS_DENY);
  return request;
}

absl::Status AddJoinAll(int pid, v1::BootstrapRequest* request) {
  const std::string proc = absl::StrCat("/proc/", pid);
  struct stat st;
  if (stat(proc.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("--join ", pid, ": no such process"));
  }
  int joined = 0;
  for (const v1::Namespace type : kNsTypes) {
    const char* name = executor::NamespaceName(type);
    const std::string theirs = NsLink(proc, name);
    if (theirs.empty()) continue;
    if (NsLink("/proc/self", name) == theirs) {
      continue;  // already there; setns to one's own user ns is EINVAL
    }
    bool listed = false;
    for (const auto& j : request->join_namespaces()) listed |= j.type() == type;
    for (int c : request->create_namespaces()) listed |= c == type;
    if (listed) continue;
    auto* join = request->add_join_namespaces();
    join->set_type(type);
    join->set_pid(pid);
    ++joined;
  }
  if (joined == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--join ", pid, ": it is in all of our namespaces already"));
  }
  return absl::OkStatus();
}

int RunRun(const std::vector<std::string>& args, CommandIo io) {
  std::string config;
  int join_pid = 0;
  bool json = false;
  std::vector<v1::Namespace> create;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--help" || a == "-h") {
      io.out << kRunHelp;
      return kExitOk;
    }
    const NsFlag* ns_flag = nullptr;
    for (const NsFlag& f : kNsFlags) {
      if (a == f.flag || a == f.short_flag) ns_flag = &f;
    }
    if (ns_flag != nullptr) {
      if (std::find(create.begin(), create.end(), ns_flag->type) ==
          create.end()) {
        create.push_back(ns_flag->type);
      }
    } else if (a == "--json") {
      json = true;
    } else if ((a == "--config" || a == "--join") && i + 1 < args.size()) {
      if (a == "--config") {
        config = args[++i];
      } else if (!absl::SimpleAtoi(args[++i], &join_pid) || join_pid <= 0) {
        io.err << "nsboot run: --join wants a pid, not '" << args[i] << "'\n";
        return kExitUsage;
      }
    } else if (a.rfind("--config=", 0) == 0) {
      config = a.substr(9);
    } else if (a.rfind("--join=", 0) == 0) {
      if (!absl::SimpleAtoi(a.substr(7), &join_pid) || join_pid <= 0) {
        io.err << "nsboot run: --join wants a pid, not '" << a.substr(7) << "'\n";
        return kExitUsage;
      }
    } else if (!a.empty() && a[0] == '-') {
      io.err << "nsboot run: unknown flag '" << a << "' (see nsboot run --help)\n";
      return kExitUsage;
    } else {
      break;
    }
  }
  if (i >= args.size()) {
    io.err << "nsboot run: no command given (see nsboot run --help)\n";
    return kExitUsage;
  }
  const std::vector<std::string> argv(args.begin() + i, args.end());
  if (!config.empty() && !create.empty()) {
    io.err << "nsboot run: --config and namespace flags do not mix (the "
              "config says what to create)\n";
    return kExitUsage;
  }

  v1::BootstrapRequest request;
  if (!create.empty()) {
    request = CreateRunRequest(create, getuid(), getgid());
  } else if (!config.empty()) {
    // A netlink config is read as runc 1.2 (attribute 27290 = time offsets).
    LoadedRequest loaded;
    int code;
    if (!LoadRequestFile(config, "auto", codec::RuncDialect::kRunc12,
                         "nsboot run", io, &loaded, &code)) {
      return code;
    }
    request = std::move(loaded.request);
    request.clear_netlink_layout();
  } else if (join_pid == 0) {
    request = DefaultRunRequest(getuid(), getgid());
  }
  if (join_pid != 0) {
    absl::Status joined = AddJoinAll(join_pid, &request);
    if (!joined.ok()) {
      io.err << "nsboot run: " << joined.message() << "\n";
      return kExitRunFailed;
    }
  }

  if (!json) {
    // Only --json reads the namespace ids: without it, spare stage 0 reading
    // them (schema version 2; this parent and its child are one binary).
    request.set_schema_version(2);
    request.mutable_options()->set_skip_namespace_ids(true);
  }

  int code, err;
  const std::string path = ResolveCommand(argv[0], &code, &err);
  if (path.empty()) {
    io.err << "nsboot run: " << argv[0] << ": " << strerror(err) << "\n";
    return code;
  }

  executor::PlanOptions options;
  options.protocol = executor::ReplyProtocol::kNative;
  options.finish = executor::FinishMode::kExec;
  auto plan = executor::MakePlan(request, options);
  if (!plan.ok()) {
    io.err << "nsboot run: " << plan.status().message() << "\n";
    return kExitDataErr;
  }
  executor::RunOptions run;
  run.exec_path = path;
  run.exec_argv = argv;
  // This process is stage 0 and the stages' parent: no fork of its own,
  // no frames to itself.
  run.stages_are_callers_children = true;
  // The final process shares this process's memory until its exec
  // (executor::FinalSharesMemory): no copy of a 5 MB binary's page tables.
  alignas(16) static char final_stack[32 << 10];
  run.final_stack = final_stack;
  run.final_stack_size = sizeof(final_stack);

  char comm[17] = {};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  io.out.flush();
  io.err.flush();
  RunSink sink(json ? &io.err : nullptr);
  const absl::StatusOr<executor::RunOutcome> outcome =
      executor::Run(*plan, run, sink);
  // Stage 0's steps set this process's parent-death signal and name: a
  // parent that now only waits must not die with its own parent (as
  // unshare(1) does not) nor keep stage 0's name. It may have joined
  // namespaces and gone non-dumpable, which waiting does not mind.
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  prctl(PR_SET_NAME, comm, 0, 0, 0);
  (void)outcome;  // the sink has the Pids and the Error, if any

  struct sigaction forward = {}, saved[3];
  forward.sa_handler = ForwardSignal;
  const int signals[3] = {SIGINT, SIGTERM, SIGHUP};
  const v1::plain::Pids& pids = sink.pids();
  const v1::plain::Error& error = sink.error();
  if (sink.have_pids()) g_forward_to = pids.stage2_pid;
  for (int s = 0; s < 3; ++s) sigaction(signals[s], &forward, &saved[s]);
  if (sink.have_error() && !sink.have_pids()) {
    // The stages of a failed bootstrap are our children: reap them.
    if (error.stage1_pid > 0) WaitStatus(error.stage1_pid);
    if (error.stage2_pid > 0) WaitStatus(error.stage2_pid);
  }
  // Two-process plans have no stage 1: stage1_pid is 0 (waitpid(0) would
  // wait for any child of our process group).
  if (sink.have_pids() && pids.stage1_pid > 0) WaitStatus(pids.stage1_pid);
  int status = sink.have_pids() ? WaitStatus(pids.stage2_pid) : -1;
  for (int s = 0; s < 3; ++s) sigaction(signals[s], &saved[s], nullptr);
  g_forward_to = 0;

  if (sink.have_error()) {
    io.err << "nsboot run: " << executor::StageName(error.stage) << " "
           << executor::StepName(error.step) << ": " << error.message << "\n";
    if (error.step == v1::STEP_EXEC) {
      return error.errno_value == ENOENT ? kExitNotFound : kExitCannotExec;
    }
    return kExitRunFailed;
  }
  if (!sink.have_pids() || status < 0) {
    io.err << "nsboot run: the bootstrap ended without a reply\n";
    return kExitRunFailed;
  }
  return status;
}

}  // namespace cli
}  // namespace nsboot
