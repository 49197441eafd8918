#include "executor/plan.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"
#include "proto/nsboot/v1/plain.h"
#include "proto/nsboot/v1/plain_convert.h"

namespace nsboot {
namespace executor {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::BootstrapRequest Request(const std::string& text) {
  v1::BootstrapRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request))
      << text;
  return request;
}

PlanOptions Options(ReplyProtocol protocol = ReplyProtocol::kNative) {
  PlanOptions options;
  options.protocol = protocol;
  return options;
}

// Native, but always three processes (the shape the runc protocols share).
PlanOptions Three() {
  PlanOptions options;
  options.two_processes = false;
  return options;
}

Plan MustPlan(const std::string& text, const PlanOptions& options = Options()) {
  absl::StatusOr<Plan> plan = MakePlan(Request(text), options);
  EXPECT_THAT(plan.status(), IsOk()) << text;
  return plan.ok() ? *plan : Plan();
}

// "kind" or "kind detail" of each step of a stage, for compact checks.
std::vector<std::string> Kinds(const StagePlan& stage) {
  std::vector<std::string> out;
  for (const PlanStep& step : stage.steps) {
    std::string s = StepKindName(step.kind);
    if (step.kind == StepKind::kAwait || step.kind == StepKind::kAck ||
        step.kind == StepKind::kRequest) {
      absl::StrAppend(&s, " ", SyncPointName(step.sync));
    }
    if (step.kind == StepKind::kUnshare) {
      absl::StrAppend(&s, " ", CloneFlagsNames(step.value));
    }
    if (step.kind == StepKind::kJoin) {
      absl::StrAppend(&s, " ", step.value, step.defer_eperm ? " defer" : "");
    }
    if (step.kind == StepKind::kSetDumpable ||
        step.kind == StepKind::kSetParentDeathSignal) {
      absl::StrAppend(&s, " ", step.value);
    }
    if (step.kind == StepKind::kBecomeRoot) {
      absl::StrAppend(&s, step.gid ? " gid" : "", step.uid ? " uid" : "");
    }
    out.push_back(s);
  }
  return out;
}

int IndexOf(const StagePlan& stage, StepKind kind, int64_t value = -1) {
  for (size_t i = 0; i < stage.steps.size(); ++i) {
    if (stage.steps[i].kind == kind &&
        (value == -1 || stage.steps[i].value == value)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool Has(const StagePlan& stage, StepKind kind) {
  return IndexOf(stage, kind) >= 0;
}

// ---------------------------------------------------------------------------
// Validation: every rejection names its field.

struct InvalidCase {
  const char* name;
  const char* request;
  ReplyProtocol protocol;
  absl::StatusCode code;
  const char* message;
};

class InvalidRequestTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRequestTest, IsRejectedNamingTheField) {
  const InvalidCase& c = GetParam();
  EXPECT_THAT(MakePlan(Request(c.request), Options(c.protocol)),
              StatusIs(c.code, HasSubstr(c.message)));
}

constexpr auto kNative = ReplyProtocol::kNative;
constexpr auto kRunc11 = ReplyProtocol::kRunc11;
constexpr auto kRunc12 = ReplyProtocol::kRunc12;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

INSTANTIATE_TEST_SUITE_P(
    Rules, InvalidRequestTest,
    ::testing::Values(
        InvalidCase{"SchemaVersion3", "schema_version: 3", kNative, kInvalid,
                    "schema_version: 3 is not supported (supported: 1, 2)"},
        InvalidCase{"VersionTwoFieldInVersionOne",
                    "schema_version: 1 options { skip_namespace_ids: true }",
                    kNative, kInvalid,
                    "options.skip_namespace_ids: a schema_version 2 field in "
                    "a version 1 request"},
        InvalidCase{"UnknownCreateType", "create_namespaces: 9", kNative,
                    kInvalid, "create_namespaces[0]: unknown namespace 9"},
        InvalidCase{"UnspecifiedCreateType",
                    "create_namespaces: [NAMESPACE_NET, NAMESPACE_UNSPECIFIED]",
                    kNative, kInvalid,
                    "create_namespaces[1]: unknown namespace 0"},
        InvalidCase{"CreateTwice",
                    "create_namespaces: [NAMESPACE_NET, NAMESPACE_NET]", kNative,
                    kInvalid, "create_namespaces[1]: net is listed twice"},
        InvalidCase{"JoinTwice",
                    "join_namespaces { type: NAMESPACE_NET path: '/a' } "
                    "join_namespaces { type: NAMESPACE_NET pid: 3 }",
                    kNative, kInvalid, "join_namespaces[1]: net is joined twice"},
        InvalidCase{"CreateAndJoinSameType",
                    "create_namespaces: NAMESPACE_PID "
                    "join_namespaces { type: NAMESPACE_PID path: '/a' }",
                    kNative, kInvalid,
                    "join_namespaces[0]: creating and joining the same type "
                    "(pid)"},
        InvalidCase{"JoinUnknownType", "join_namespaces { type: 12 path: '/a' }",
                    kNative, kInvalid,
                    "join_namespaces[0].type: unknown namespace 12"},
        InvalidCase{"JoinWithoutTarget",
                    "join_namespaces { type: NAMESPACE_NET }", kNative, kInvalid,
                    "join_namespaces[0]: no path, pid or pidfd"},
        InvalidCase{"JoinRelativePath",
                    "join_namespaces { type: NAMESPACE_NET path: 'proc/1/ns/net' }",
                    kNative, kInvalid,
                    "join_namespaces[0].path: not an absolute path"},
        InvalidCase{"JoinEmptyPath",
                    "join_namespaces { type: NAMESPACE_NET path: '' }", kNative,
                    kInvalid, "join_namespaces[0].path: not an absolute path"},
        InvalidCase{"JoinPathWithNul",
                    "join_namespaces { type: NAMESPACE_NET path: '/a\\000b' }",
                    kNative, kInvalid,
                    "join_namespaces[0].path: contains a NUL byte"},
        InvalidCase{"JoinPidZero", "join_namespaces { type: NAMESPACE_NET pid: 0 }",
                    kNative, kInvalid, "join_namespaces[0].pid: not a pid"},
        InvalidCase{"JoinNegativePidfd",
                    "join_namespaces { type: NAMESPACE_NET pidfd: -1 }", kNative,
                    kInvalid, "join_namespaces[0].pidfd: not a file descriptor"},
        InvalidCase{"UidMapsWithoutUserns",
                    "create_namespaces: NAMESPACE_NET "
                    "uid_mappings { container_id: 0 host_id: 0 size: 1 }",
                    kNative, kInvalid,
                    "uid_mappings: set, but NAMESPACE_USER is not in "
                    "create_namespaces"},
        InvalidCase{"GidMapsWithJoinedUserns",
                    "join_namespaces { type: NAMESPACE_USER path: '/u' } "
                    "gid_mappings { container_id: 0 host_id: 0 size: 1 }",
                    kNative, kInvalid,
                    "gid_mappings: set, but the user namespace is joined"},
        InvalidCase{"SetgroupsWithoutUserns", "setgroups: SETGROUPS_DENY",
                    kNative, kInvalid,
                    "setgroups: only applies to a new user namespace"},
        InvalidCase{"UnknownSetgroups",
                    "create_namespaces: NAMESPACE_USER setgroups: 7", kNative,
                    kInvalid, "setgroups: unknown policy 7"},
        InvalidCase{"MapSizeZero",
                    "create_namespaces: NAMESPACE_USER "
                    "uid_mappings { container_id: 0 host_id: 0 size: 0 }",
                    kNative, kInvalid, "uid_mappings[0]: size is 0"},
        InvalidCase{"MapWraps",
                    "create_namespaces: NAMESPACE_USER "
                    "gid_mappings { container_id: 0 host_id: 4294967295 size: 2 }",
                    kNative, kInvalid,
                    "gid_mappings[0]: host_id + size wraps past 2^32"},
        InvalidCase{"UidHelperWithoutMaps",
                    "create_namespaces: NAMESPACE_USER "
                    "uidmap_helper: '/usr/bin/newuidmap'",
                    kNative, kInvalid,
                    "uidmap_helper: set, but uid_mappings is empty"},
        InvalidCase{"GidHelperWithoutMaps",
                    "create_namespaces: NAMESPACE_USER "
                    "uid_mappings { container_id: 0 host_id: 0 size: 1 } "
                    "gidmap_helper: '/usr/bin/newgidmap'",
                    kNative, kInvalid,
                    "gidmap_helper: set, but gid_mappings is empty"},
        InvalidCase{"RelativeHelper",
                    "create_namespaces: NAMESPACE_USER "
                    "uid_mappings { container_id: 0 host_id: 0 size: 1 } "
                    "uidmap_helper: 'newuidmap'",
                    kNative, kInvalid, "uidmap_helper: not an absolute path"},
        InvalidCase{"RuncNeedsRootUid",
                    "create_namespaces: NAMESPACE_USER "
                    "uid_mappings { container_id: 1 host_id: 0 size: 1 } "
                    "gid_mappings { container_id: 0 host_id: 0 size: 1 }",
                    kRunc12, kInvalid,
                    "uid_mappings: the runc protocols need container uid 0"},
        InvalidCase{"RuncNeedsRootGid",
                    "create_namespaces: NAMESPACE_USER "
                    "uid_mappings { container_id: 0 host_id: 0 size: 1 }",
                    kRunc11, kInvalid,
                    "gid_mappings: the runc protocols need container gid 0"},
        InvalidCase{"TimeOffsetsWithoutTimens",
                    "create_namespaces: NAMESPACE_PID "
                    "time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: 1 }",
                    kNative, kInvalid,
                    "time_offsets: set, but NAMESPACE_TIME is not in "
                    "create_namespaces"},
        InvalidCase{"TimeOffsetsWhileJoiningTimens",
                    "join_namespaces { type: NAMESPACE_TIME path: '/t' } "
                    "time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: 1 }",
                    kRunc12, kInvalid,
                    "time_offsets: set while joining a time namespace"},
        InvalidCase{"TimeOffsetsInRunc11",
                    "time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: 1 }",
                    kRunc11, kInvalid,
                    "time_offsets: not part of the runc 1.1 protocol"},
        InvalidCase{"TimensInRunc11", "create_namespaces: NAMESPACE_TIME",
                    kRunc11, kInvalid,
                    "create_namespaces[0]: runc 1.1 has no time namespace"},
        InvalidCase{"JoinTimensInRunc11",
                    "join_namespaces { type: NAMESPACE_TIME path: '/t' }",
                    kRunc11, kInvalid,
                    "join_namespaces[0]: runc 1.1 has no time namespace"},
        InvalidCase{"UnknownClock",
                    "create_namespaces: NAMESPACE_TIME "
                    "time_offsets { clock: TIME_CLOCK_UNSPECIFIED seconds: 1 }",
                    kNative, kInvalid, "time_offsets[0].clock: unknown clock 0"},
        InvalidCase{"ClockTwice",
                    "create_namespaces: NAMESPACE_TIME "
                    "time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 1 } "
                    "time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 2 }",
                    kNative, kInvalid,
                    "time_offsets[1].clock: boottime is set twice"},
        InvalidCase{"NanosecondsTooLarge",
                    "create_namespaces: NAMESPACE_TIME "
                    "time_offsets { clock: TIME_CLOCK_BOOTTIME nanoseconds: "
                    "1000000000 }",
                    kNative, kInvalid,
                    "time_offsets[0].nanoseconds: not in [0, 999999999]"},
        InvalidCase{"NegativeNanoseconds",
                    "create_namespaces: NAMESPACE_TIME "
                    "time_offsets { clock: TIME_CLOCK_MONOTONIC nanoseconds: -1 }",
                    kNative, kInvalid,
                    "time_offsets[0].nanoseconds: not in [0, 999999999]"},
        InvalidCase{"MountSourcesNative",
                    "create_namespaces: NAMESPACE_MOUNT mount_sources: '/a'",
                    kNative, kInvalid,
                    "mount_sources: only part of the runc 1.1 protocol"},
        InvalidCase{"MountSourcesRunc12",
                    "create_namespaces: NAMESPACE_MOUNT mount_sources: '/a'",
                    kRunc12, kInvalid,
                    "mount_sources: only part of the runc 1.1 protocol"},
        InvalidCase{"MountSourcesWithoutFds",
                    "create_namespaces: NAMESPACE_MOUNT mount_sources: '/a'",
                    kRunc11, kInvalid,
                    "mount_sources: 1 entries, but PlanOptions.mount_source_fds"},
        InvalidCase{"OomTooLow", "oom_score_adj: -1001", kNative, kInvalid,
                    "oom_score_adj: -1001 is not in [-1000, 1000]"},
        InvalidCase{"OomTooHigh", "oom_score_adj: 1001", kRunc12, kInvalid,
                    "oom_score_adj: 1001 is not in [-1000, 1000]"},
        InvalidCase{"BadDeathSignal", "options { parent_death_signal: 65 }",
                    kNative, kInvalid,
                    "options.parent_death_signal: 65 is not a signal"},
        InvalidCase{"BadLogLevel", "options { log_level: 8 }", kNative, kInvalid,
                    "options.log_level: unknown level 8"},
        InvalidCase{"PidfdsOverRunc", "options { reply_pidfds: true }", kRunc12,
                    kInvalid, "options.reply_pidfds: the runc protocols cannot "
                              "carry pidfds"},
        InvalidCase{"SealExeWithoutSealedExe", "options { seal_exe: true }",
                    kNative, absl::StatusCode::kFailedPrecondition,
                    "options.seal_exe"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) {
      return std::string(info.param.name);
    });

TEST(MakePlanTest, MountSourceFdsMustMatchSources) {
  const v1::BootstrapRequest request = Request(
      "create_namespaces: [NAMESPACE_MOUNT, NAMESPACE_USER] "
      "uid_mappings { container_id: 0 host_id: 0 size: 1 } "
      "gid_mappings { container_id: 0 host_id: 0 size: 1 } "
      "mount_sources: ['/a', '', '/b']");
  PlanOptions options = Options(kRunc11);
  options.mount_source_fds = {5, 6, 7};
  EXPECT_THAT(MakePlan(request, options),
              StatusIs(kInvalid, HasSubstr("mount_sources[1]: empty, but "
                                           "mount_source_fds[1] is 6")));
  options.mount_source_fds = {5, -1, -1};
  EXPECT_THAT(MakePlan(request, options),
              StatusIs(kInvalid, HasSubstr("mount_sources[2]: set, but "
                                           "mount_source_fds[2] is -1")));
  options.mount_source_fds = {5, -1, 5};
  EXPECT_THAT(MakePlan(request, options),
              StatusIs(kInvalid, HasSubstr("repeats fd 5")));
  options.mount_source_fds = {5, -1, 6};
  EXPECT_THAT(MakePlan(request, options), IsOk());

  v1::BootstrapRequest no_mntns = request;
  no_mntns.clear_create_namespaces();
  no_mntns.add_create_namespaces(v1::NAMESPACE_USER);
  EXPECT_THAT(MakePlan(no_mntns, options),
              StatusIs(kInvalid, HasSubstr("mount_sources: set, but "
                                           "NAMESPACE_MOUNT is not in")));

  PlanOptions stray = Options(kRunc11);
  stray.mount_source_fds = {3};
  EXPECT_THAT(MakePlan(Request(""), stray),
              StatusIs(kInvalid, HasSubstr("PlanOptions.mount_source_fds")));
}

TEST(MakePlanTest, ProcessNamesMustFitTheKernelsComm) {
  PlanOptions options;
  options.process_names[1] = "nsboot:[1:CHILD]";  // 16 bytes
  EXPECT_THAT(MakePlan(Request(""), options),
              StatusIs(kInvalid, HasSubstr("PlanOptions.process_names[1]")));
  options.process_names = {"runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]"};
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan plan, MakePlan(Request(""), options));
  EXPECT_EQ(plan.stages[0].name, "runc:[0:PARENT]");
  EXPECT_EQ(plan.stages[0].steps[0].text, "runc:[0:PARENT]");
  EXPECT_EQ(plan.stages[2].name, "runc:[2:INIT]");
}

TEST(MakePlanTest, SchemaVersionZeroReadsAsOne) {
  EXPECT_EQ(MustPlan("schema_version: 0").schema_version, 1u);
  EXPECT_EQ(MustPlan("schema_version: 1").schema_version, 1u);
}

TEST(MakePlanTest, ExampleRequestsPlanOrSayWhyNot) {
  // examples/requests/everything.textproto asks for seal_exe.
  v1::BootstrapRequest everything = Request(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_PID, NAMESPACE_TIME ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    options { seal_exe: true }
  )pb");
  EXPECT_THAT(MakePlan(everything, Options()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  PlanOptions sealed = Options();
  sealed.exe_sealed = true;
  EXPECT_THAT(MakePlan(everything, sealed), IsOk());
  everything.mutable_options()->clear_seal_exe();
  EXPECT_THAT(MakePlan(everything, Options()), IsOk());
}

// ---------------------------------------------------------------------------
// Ordering rules.

TEST(MakePlanTest, OomScoreAdjBeforeNonDumpableBeforeClone) {
  const Plan plan = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_NET path: "/proc/1/ns/net" }
    oom_score_adj: -999
  )pb", Three());
  const StagePlan& parent = plan.stages[0];
  const int oom = IndexOf(parent, StepKind::kWriteOomScoreAdj);
  const int dumpable = IndexOf(parent, StepKind::kSetDumpable, 0);
  const int clone = IndexOf(parent, StepKind::kCloneChild);
  ASSERT_GE(oom, 0);
  EXPECT_LT(oom, dumpable);
  EXPECT_LT(dumpable, clone);
  EXPECT_EQ(parent.steps[oom].text, "-999");
}

TEST(MakePlanTest, TwoProcessesOomThenNonDumpableThenJoinsThenClone) {
  const Plan plan = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_NET path: "/proc/1/ns/net" }
    join_namespaces { type: NAMESPACE_PID pid: 7 }
    join_namespaces { type: NAMESPACE_UTS pid: 7 }
    create_namespaces: [ NAMESPACE_MOUNT, NAMESPACE_IPC ]
    oom_score_adj: -999
  )pb");
  ASSERT_EQ(plan.processes, 2);
  EXPECT_TRUE(plan.stages[1].steps.empty());
  EXPECT_EQ(plan.stages[1].stage, v1::STAGE_UNSPECIFIED);
  EXPECT_THAT(Kinds(plan.stages[0]),
              ElementsAre("set-name", "parent-death-signal 9", "reply-ready",
                          "write-oom-score-adj", "set-dumpable 0",
                          "open-namespaces", "join 0", "join 1",
                          "close-namespaces", "clone-final", "reply-pids",
                          "release-init", "await-init", "parent-done"));
  const StagePlan& parent = plan.stages[0];
  EXPECT_EQ(parent.steps[IndexOf(parent, StepKind::kCloneFinal)].value,
            0x00020000 | 0x08000000);
  EXPECT_THAT(Kinds(plan.stages[2]),
              ElementsAre("set-name", "await-release", "finish-return"));
}

TEST(MakePlanTest, TwoProcessesMapsWrittenWithoutARequest) {
  const Plan plan = MustPlan(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_PID, NAMESPACE_NET ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    setgroups: SETGROUPS_ALLOW
    options { parent_death_signal: 15 }
  )pb");
  ASSERT_EQ(plan.processes, 2);
  EXPECT_THAT(Kinds(plan.stages[0]),
              ElementsAre("set-name", "parent-death-signal 15", "reply-ready",
                          "clone-final", "write-uid-map", "write-gid-map",
                          "reply-pids", "release-init", "await-init",
                          "parent-done"));
  EXPECT_THAT(Kinds(plan.stages[2]),
              ElementsAre("set-name", "await-release", "become-root gid uid",
                          "drop-groups", "parent-death-signal 15",
                          "finish-return"));
}

TEST(MakePlanTest, ThreeProcessesWhereTwoAreNotEquivalent) {
  struct {
    const char* request;
    const char* why;
  } cases[] = {
      {"create_namespaces: NAMESPACE_TIME", "new time namespace"},
      {"create_namespaces: [NAMESPACE_TIME, NAMESPACE_PID] "
       "time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 1 }",
       "new time namespace"},
      {"join_namespaces { type: NAMESPACE_USER pid: 5 } "
       "join_namespaces { type: NAMESPACE_NET pid: 5 }",
       "joined user namespace"},
      {"create_namespaces: NAMESPACE_USER "
       "join_namespaces { type: NAMESPACE_NET path: '/n' } "
       "uid_mappings { container_id: 0 host_id: 1 size: 1 }",
       "joins and maps of a new user namespace"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request);
    const Plan plan = MustPlan(c.request);
    EXPECT_EQ(plan.processes, 3);
    EXPECT_THAT(plan.init_reason, HasSubstr(c.why));
    EXPECT_FALSE(plan.stages[1].steps.empty());
  }
  // Joins alone, a joined time namespace, a new user namespace without
  // maps next to joins: two.
  for (const char* text :
       {"join_namespaces { type: NAMESPACE_TIME path: '/t' }",
        "join_namespaces { type: NAMESPACE_PID path: '/p' }",
        "create_namespaces: NAMESPACE_USER "
        "join_namespaces { type: NAMESPACE_NET path: '/n' }"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(MustPlan(text).processes, 2);
  }
  // The runc protocols too (with a placeholder stage 1), but runc 1.1's
  // mount sources; two_processes = false: always three.
  EXPECT_EQ(MustPlan("", Options(kRunc12)).processes, 2);
  EXPECT_EQ(MustPlan("", Options(kRunc11)).processes, 2);
  PlanOptions with_fds = Options(kRunc11);
  with_fds.mount_source_fds = {5};
  const Plan mount_sources = MustPlan(
      "create_namespaces: NAMESPACE_MOUNT mount_sources: '/a'", with_fds);
  EXPECT_EQ(mount_sources.processes, 3);
  EXPECT_THAT(mount_sources.init_reason, HasSubstr("three: mount sources"));
  EXPECT_EQ(MustPlan("", Three()).processes, 3);
}

TEST(MakePlanTest, NonDumpableOnlyWhenJoining) {
  const Plan plan = MustPlan("create_namespaces: NAMESPACE_NET oom_score_adj: 5");
  EXPECT_FALSE(Has(plan.stages[0], StepKind::kSetDumpable));
  EXPECT_FALSE(Has(plan.stages[1], StepKind::kSetDumpable));
}

TEST(MakePlanTest, JoinsWithoutUserNamespaceGoInRequestOrderAndFailHard) {
  const Plan plan = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_NET path: "/n" }
    join_namespaces { type: NAMESPACE_MOUNT path: "/m" }
    join_namespaces { type: NAMESPACE_UTS path: "/u" }
  )pb", Three());
  EXPECT_THAT(Kinds(plan.stages[1]),
              ElementsAre("set-name", "parent-death-signal 9",
                          "open-namespaces", "join 0", "join 1", "join 2",
                          "close-namespaces", "clone-init", "report-init-pid",
                          "exit-child"));
}

TEST(MakePlanTest, JoiningUserNamespaceDefersEpermAndBecomesRoot) {
  const Plan plan = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_USER path: "/proc/7/ns/user" }
    join_namespaces { type: NAMESPACE_NET path: "/proc/7/ns/net" }
    join_namespaces { type: NAMESPACE_MOUNT path: "/proc/7/ns/mnt" }
  )pb");
  EXPECT_THAT(Kinds(plan.stages[1]),
              ElementsAre("set-name", "parent-death-signal 9",
                          "open-namespaces", "join 1 defer", "join 2 defer",
                          "join 0", "become-root gid uid",
                          "parent-death-signal 9", "join-deferred",
                          "close-namespaces", "clone-init", "report-init-pid",
                          "exit-child"));
  // runc 1.1 does not become root after joining a user namespace.
  const Plan runc11 = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_USER path: "/proc/7/ns/user" }
    join_namespaces { type: NAMESPACE_NET path: "/proc/7/ns/net" }
  )pb",
                               Options(kRunc11));
  EXPECT_THAT(Kinds(runc11.stages[1]),
              ElementsAre("set-name", "parent-death-signal 9",
                          "open-namespaces", "join 1 defer", "join 0",
                          "join-deferred", "close-namespaces", "clone-init",
                          "report-init-pid", "exit-child"));
}

TEST(MakePlanTest, JoinsOfOneProcessAreGroupedIntoOneSetns) {
  const Plan plan = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_NET path: "/proc/1234/ns/net" }
    join_namespaces { type: NAMESPACE_UTS pid: 1234 }
    join_namespaces { type: NAMESPACE_IPC pid: 1234 }
    join_namespaces { type: NAMESPACE_MOUNT pidfd: 5 }
    join_namespaces { type: NAMESPACE_CGROUP pid: 99 }
    join_namespaces { type: NAMESPACE_PID pidfd: 5 }
  )pb", Three());
  ASSERT_EQ(plan.join_targets.size(), 4u);
  EXPECT_EQ(plan.join_targets[0].kind, JoinTarget::Kind::kPath);
  EXPECT_EQ(plan.join_targets[1].kind, JoinTarget::Kind::kPid);
  EXPECT_EQ(plan.join_targets[1].pid, 1234);
  EXPECT_THAT(plan.join_targets[1].types,
              ElementsAre(v1::NAMESPACE_UTS, v1::NAMESPACE_IPC));
  EXPECT_EQ(plan.join_targets[1].clone_flags, 0x04000000u | 0x08000000u);
  EXPECT_EQ(plan.join_targets[2].kind, JoinTarget::Kind::kPidfd);
  EXPECT_EQ(plan.join_targets[2].fd, 5);
  EXPECT_EQ(plan.join_targets[2].clone_flags, 0x00020000u | 0x20000000u);
  EXPECT_EQ(plan.join_targets[3].pid, 99);
  EXPECT_THAT(Kinds(plan.stages[1]),
              ElementsAre("set-name", "parent-death-signal 9",
                          "open-namespaces", "join 0", "join 1", "join 2",
                          "join 3", "close-namespaces", "clone-init",
                          "report-init-pid", "exit-child"));
  EXPECT_THAT(plan.init_reason,
              ::testing::StartsWith(
                  "joined pid namespace: only children of stage 1 enter it"));
}

TEST(MakePlanTest, PidfdGroupWithUserIsTheUserJoin) {
  const Plan plan = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_NET path: "/n" }
    join_namespaces { type: NAMESPACE_USER pidfd: 4 }
    join_namespaces { type: NAMESPACE_UTS pidfd: 4 }
  )pb");
  ASSERT_EQ(plan.join_targets.size(), 2u);
  EXPECT_THAT(Kinds(plan.stages[1]),
              ::testing::IsSupersetOf({"join 0 defer", "join 1"}));
  EXPECT_LT(IndexOf(plan.stages[1], StepKind::kJoin, 0),
            IndexOf(plan.stages[1], StepKind::kJoin, 1));
}

TEST(MakePlanTest, NewUserNamespaceMapsAreWrittenByStageZero) {
  const Plan plan = MustPlan(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_NET ]
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 65536 host_id: 5 size: 1 }
    setgroups: SETGROUPS_DENY
  )pb", Three());
  EXPECT_THAT(Kinds(plan.stages[0]),
              ElementsAre("set-name", "parent-death-signal 9", "reply-ready",
                          "clone-child", "await user-maps", "write-setgroups",
                          "write-uid-map", "write-gid-map", "ack user-maps",
                          "await init-pid", "reply-pids", "ack init-pid",
                          "await child-finish", "release-init", "await-init",
                          "parent-done"));
  EXPECT_THAT(Kinds(plan.stages[1]),
              ElementsAre("set-name", "parent-death-signal 9", "unshare user",
                          "request user-maps", "unshare net",
                          "become-root gid uid", "parent-death-signal 9",
                          "clone-init", "report-init-pid", "exit-child"));
  const StagePlan& parent = plan.stages[0];
  const PlanStep& gid = parent.steps[IndexOf(parent, StepKind::kWriteGidMap)];
  EXPECT_EQ(gid.text, "0 100000 65536\n65536 5 1\n");
  EXPECT_THAT(gid.helper_args,
              ElementsAre("0", "100000", "65536", "65536", "5", "1"));
  EXPECT_EQ(parent.steps[IndexOf(parent, StepKind::kWriteSetgroups)].text,
            "deny");
}

TEST(MakePlanTest, SetgroupsPolicy) {
  constexpr char kUserns[] =
      "create_namespaces: NAMESPACE_USER "
      "uid_mappings { container_id: 0 host_id: 1000 size: 1 } "
      "gid_mappings { container_id: 0 host_id: 1000 size: 1 } ";
  struct {
    const char* extra;
    bool deny;
    bool drop;
  } cases[] = {
      {"", false, false},
      {"rootless_euid: true", true, false},
      {"setgroups: SETGROUPS_DENY", true, false},
      {"setgroups: SETGROUPS_ALLOW", false, true},
      {"setgroups: SETGROUPS_ALLOW rootless_euid: true", false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.extra);
    const Plan plan = MustPlan(absl::StrCat(kUserns, c.extra));
    EXPECT_EQ(Has(plan.stages[0], StepKind::kWriteSetgroups), c.deny);
    EXPECT_EQ(Has(plan.stages[2], StepKind::kDropGroups), c.drop);
  }
}

TEST(MakePlanTest, BecomeRootOnlyForMappedIdsInNative) {
  const Plan uid_only = MustPlan(R"pb(
    create_namespaces: NAMESPACE_USER
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
  )pb", Three());
  EXPECT_THAT(Kinds(uid_only.stages[1]),
              ::testing::Contains("become-root uid"));
  const Plan unmapped = MustPlan("create_namespaces: NAMESPACE_USER", Three());
  EXPECT_FALSE(Has(unmapped.stages[1], StepKind::kBecomeRoot));
  EXPECT_FALSE(Has(unmapped.stages[0], StepKind::kAwait) &&
               unmapped.stages[0].steps[IndexOf(unmapped.stages[0],
                                                StepKind::kAwait)]
                       .sync == SyncPoint::kUserMaps);
}

TEST(MakePlanTest, TimeOffsetsAfterUnshareBeforeCloneOfInit) {
  const Plan plan = MustPlan(R"pb(
    create_namespaces: [ NAMESPACE_TIME, NAMESPACE_PID ]
    time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 3600 }
    time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: -86400 nanoseconds: 5 }
  )pb");
  const StagePlan& child = plan.stages[1];
  const int unshare = IndexOf(child, StepKind::kUnshare);
  int request = -1;
  for (size_t i = 0; i < child.steps.size(); ++i) {
    if (child.steps[i].kind == StepKind::kRequest &&
        child.steps[i].sync == SyncPoint::kTimeOffsets) {
      request = static_cast<int>(i);
    }
  }
  const int clone = IndexOf(child, StepKind::kCloneInit);
  EXPECT_LT(unshare, request);
  EXPECT_LT(request, clone);
  EXPECT_EQ(child.steps[unshare].value, 0x00000080 | 0x20000000);
  const StagePlan& parent = plan.stages[0];
  EXPECT_EQ(parent.steps[IndexOf(parent, StepKind::kWriteTimeOffsets)].text,
            "boottime 3600 0\nmonotonic -86400 5\n");
}

TEST(MakePlanTest, DumpableWindowAroundOutsideWritesWhenJoining) {
  const Plan plan = MustPlan(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_TIME ]
    join_namespaces { type: NAMESPACE_NET path: "/n" }
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
    time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 1 }
  )pb");
  EXPECT_THAT(Kinds(plan.stages[1]),
              ElementsAre("set-name", "parent-death-signal 9",
                          "open-namespaces", "join 0", "close-namespaces",
                          "unshare user", "set-dumpable 1",
                          "request user-maps", "unshare time",
                          "request time-offsets", "set-dumpable 0",
                          "become-root uid", "parent-death-signal 9",
                          "clone-init", "report-init-pid", "exit-child"));
}

TEST(MakePlanTest, ReplyProtocols) {
  EXPECT_EQ(IndexOf(MustPlan("", Options(kNative)).stages[0],
                    StepKind::kReplyReady),
            2);
  EXPECT_EQ(IndexOf(MustPlan("", Options(kRunc11)).stages[0],
                    StepKind::kReplyReady),
            2);
  EXPECT_FALSE(
      Has(MustPlan("", Options(kRunc12)).stages[0], StepKind::kReplyReady));
}

TEST(MakePlanTest, RuncFinalStageDoesWhatRuncStage2Does) {
  const Plan plan = MustPlan(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_CGROUP, NAMESPACE_MOUNT ]
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
    gid_mappings { container_id: 0 host_id: 1000 size: 1 }
    setgroups: SETGROUPS_ALLOW
  )pb",
                             Options(kRunc11));
  EXPECT_THAT(Kinds(plan.stages[2]),
              ElementsAre("set-name", "setsid", "await-release",
                          "become-root gid uid", "drop-groups",
                          "unshare cgroup", "finish-return"));
  // runc 1.1 keeps cgroupns for stage 2 (after release); 1.2+ creates it
  // with the others. Two processes: stage 0 clones the final process with
  // them, and reports a placeholder as stage 1.
  EXPECT_EQ(plan.processes, 2);
  const auto clone_flags = [](const Plan& p) {
    return CloneFlagsNames(
        p.stages[0].steps[IndexOf(p.stages[0], StepKind::kCloneFinal)].value);
  };
  EXPECT_EQ(clone_flags(plan), "mnt,user");
  EXPECT_LT(IndexOf(plan.stages[0], StepKind::kClonePlaceholder),
            IndexOf(plan.stages[0], StepKind::kReplyPids));
  const Plan runc12 = MustPlan(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_CGROUP, NAMESPACE_MOUNT ]
    uid_mappings { container_id: 0 host_id: 1000 size: 1 }
    gid_mappings { container_id: 0 host_id: 1000 size: 1 }
  )pb",
                               Options(kRunc12));
  EXPECT_EQ(clone_flags(runc12), "mnt,user,cgroup");
  EXPECT_THAT(Kinds(runc12.stages[2]),
              ElementsAre("set-name", "setsid", "await-release",
                          "become-root gid uid", "finish-return"));
  // Native has no placeholder.
  EXPECT_FALSE(Has(MustPlan("").stages[0], StepKind::kClonePlaceholder));
}

TEST(MakePlanTest, RuncPlaceholderBeforeTheJoinsAndACopyWhenTimeIsJoined) {
  const auto placeholder = [](const Plan& plan) {
    const std::vector<PlanStep>& p = plan.stages[0].steps;
    const int i = IndexOf(plan.stages[0], StepKind::kClonePlaceholder);
    EXPECT_GE(i, 0);
    EXPECT_LT(i, IndexOf(plan.stages[0], StepKind::kOpenNamespaces));
    EXPECT_LT(i, IndexOf(plan.stages[0], StepKind::kCloneFinal));
    return i < 0 ? -1 : p[i].value;
  };
  const Plan exec = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_PID path: "/proc/7/ns/pid" }
    join_namespaces { type: NAMESPACE_NET path: "/proc/7/ns/net" }
  )pb",
                             Options(kRunc12));
  ASSERT_EQ(exec.processes, 2);
  EXPECT_EQ(placeholder(exec), 1);  // shares stage 0's memory
  const Plan time = MustPlan(R"pb(
    join_namespaces { type: NAMESPACE_PID path: "/proc/7/ns/pid" }
    join_namespaces { type: NAMESPACE_TIME path: "/proc/7/ns/time" }
  )pb",
                             Options(kRunc12));
  ASSERT_EQ(time.processes, 2);
  EXPECT_EQ(placeholder(time), 0);  // a copy: setns to time needs that
  EXPECT_THAT(FormatPlan(time), HasSubstr("clone-placeholder stage1_pid "
                                          "(clone3 CLONE_PARENT, a copy: a "
                                          "time namespace is joined"));
}

TEST(MakePlanTest, InitFinishSkippableWhereNothingCanFailAfterTheClone) {
  const PlanOptions native;
  PlanOptions exec;
  exec.finish = FinishMode::kExec;
  const struct {
    const char* request;
    PlanOptions options;
    bool skippable;
  } cases[] = {
      {"join_namespaces { type: NAMESPACE_NET pid: 7 }", native, true},
      {"create_namespaces: [ NAMESPACE_UTS, NAMESPACE_PID ]", native, true},
      // runc's become-root: a no-op for a stage 0 whose ids are all 0.
      {"join_namespaces { type: NAMESPACE_NET path: '/proc/7/ns/net' } "
       "join_namespaces { type: NAMESPACE_PID path: '/proc/7/ns/pid' }",
       Options(kRunc12), true},
      {"create_namespaces: [ NAMESPACE_UTS ]", Options(kRunc12), true},
      // runc 1.1 unshares the cgroup namespace after the release.
      {"create_namespaces: [ NAMESPACE_CGROUP ]", Options(kRunc11), false},
      {"create_namespaces: [ NAMESPACE_CGROUP ]", Options(kRunc12), true},
      // The ids in a new user namespace, setgroups, a parent-death signal,
      // execve: all can fail.
      {"create_namespaces: [ NAMESPACE_USER ] "
       "uid_mappings { container_id: 0 host_id: 1000 size: 1 }",
       native, false},
      {"create_namespaces: [ NAMESPACE_USER ] "
       "uid_mappings { container_id: 0 host_id: 1000 size: 1 } "
       "gid_mappings { container_id: 0 host_id: 1000 size: 1 }",
       Options(kRunc12), false},
      {"options { parent_death_signal: 15 }", native, false},
      {"create_namespaces: [ NAMESPACE_UTS ]", exec, false},
      {"create_namespaces: [ NAMESPACE_UTS ]", Three(), false},
  };
  for (const auto& c : cases) {
    const Plan plan = MustPlan(c.request, c.options);
    EXPECT_EQ(InitFinishSkippable(plan), c.skippable) << FormatPlan(plan);
    EXPECT_EQ(FormatPlan(plan).find("skipped when") != std::string::npos,
              c.skippable);
  }
}

TEST(MakePlanTest, NativeFinalStageOptions) {
  PlanOptions options;
  options.new_session = true;
  options.finish = FinishMode::kExec;
  const Plan plan =
      MustPlan("options { parent_death_signal: 15 }", options);
  EXPECT_THAT(Kinds(plan.stages[2]),
              ElementsAre("set-name", "setsid", "await-release",
                          "parent-death-signal 15", "finish-exec"));
  EXPECT_EQ(plan.stages[2].steps.back().error_step, v1::STEP_EXEC);
  EXPECT_THAT(Kinds(plan.stages[0]),
              ::testing::Contains("parent-death-signal 15"));
  const StagePlan& parent = plan.stages[0];
  EXPECT_EQ(parent.steps[IndexOf(parent, StepKind::kAwaitInit)].error_step,
            v1::STEP_EXEC);
}

TEST(MakePlanTest, LogLevelFromRequestOrOptions) {
  PlanOptions options;
  options.default_log_level = v1::LOG_LEVEL_DEBUG;
  EXPECT_EQ(MustPlan("", options).log_level, v1::LOG_LEVEL_DEBUG);
  EXPECT_EQ(MustPlan("options { log_level: LOG_LEVEL_ERROR }", options).log_level,
            v1::LOG_LEVEL_ERROR);
}

TEST(MakePlanTest, StageTwoReason) {
  EXPECT_THAT(MustPlan("create_namespaces: NAMESPACE_PID", Three()).init_reason,
              HasSubstr("new pid namespace"));
  EXPECT_THAT(MustPlan("create_namespaces: NAMESPACE_TIME").init_reason,
              HasSubstr("new time namespace"));
  EXPECT_THAT(MustPlan("create_namespaces: NAMESPACE_NET").init_reason,
              HasSubstr("clones the final process into every new namespace"));
  EXPECT_THAT(MustPlan("create_namespaces: NAMESPACE_NET", Three()).init_reason,
              HasSubstr("two_processes is off"));
  EXPECT_THAT(
      MustPlan("create_namespaces: NAMESPACE_NET", Options(kRunc12)).init_reason,
      HasSubstr("stage1_pid is a placeholder"));
}

// Every request of one stage is awaited and answered by its peer, in order:
// the plan is a complete script of the conversation.
TEST(MakePlanTest, ConversationIsMatched) {
  const char* requests[] = {
      "",
      "create_namespaces: [NAMESPACE_USER, NAMESPACE_TIME, NAMESPACE_PID] "
      "uid_mappings { container_id: 0 host_id: 1 size: 1 } "
      "time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: 1 }",
      "create_namespaces: NAMESPACE_USER setgroups: SETGROUPS_DENY",
      "join_namespaces { type: NAMESPACE_USER pid: 1 }",
  };
  for (const char* text : requests) {
    SCOPED_TRACE(text);
    const Plan plan = MustPlan(text, Three());
    std::vector<std::string> asked, answered;
    for (const PlanStep& s : plan.stages[1].steps) {
      if (s.kind == StepKind::kRequest) asked.push_back(SyncPointName(s.sync));
    }
    for (const PlanStep& s : plan.stages[0].steps) {
      if (s.kind == StepKind::kAwait && s.sync != SyncPoint::kInitPid &&
          s.sync != SyncPoint::kChildFinish) {
        answered.push_back(SyncPointName(s.sync));
      }
    }
    EXPECT_EQ(asked, answered);
    int awaits = 0, acks = 0;
    for (const PlanStep& s : plan.stages[0].steps) {
      awaits += s.kind == StepKind::kAwait;
      acks += s.kind == StepKind::kAck;
    }
    EXPECT_EQ(awaits, acks + 1);  // child-finish has no answer
  }
  // Two processes: one release from stage 0, awaited by the final process;
  // no other sync message.
  for (const char* text : requests) {
    SCOPED_TRACE(text);
    const Plan plan = MustPlan(text);
    if (plan.processes != 2) continue;
    int releases = 0, others = 0;
    for (const PlanStep& s : plan.stages[0].steps) {
      releases += s.kind == StepKind::kReleaseInit;
      others += s.kind == StepKind::kAwait || s.kind == StepKind::kAck;
    }
    EXPECT_EQ(releases, 1);
    EXPECT_EQ(others, 0);
    EXPECT_EQ(IndexOf(plan.stages[2], StepKind::kAwaitRelease), 1);
  }
}

TEST(MakePlanTest, IsDeterministic) {
  const v1::BootstrapRequest request = Request(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_PID, NAMESPACE_TIME ]
    join_namespaces { type: NAMESPACE_NET path: "/var/run/netns/blue" }
    join_namespaces { type: NAMESPACE_UTS pid: 42 }
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: -86400 }
    oom_score_adj: 1000
  )pb");
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan a, MakePlan(request, Options()));
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan b, MakePlan(request, Options()));
  EXPECT_EQ(FormatPlan(a), FormatPlan(b));
  EXPECT_EQ(FormatPlan(a), FormatPlan(MustPlan(request.DebugString())));
}

// ---------------------------------------------------------------------------
// The plain request (the core) and the generated one (:plan_proto).

// The text of the plan, or of the error.
std::string PlanText(const absl::StatusOr<Plan>& plan) {
  return plan.ok() ? FormatPlan(*plan) : plan.status().ToString();
}

TEST(MakePlanPlainTest, HandBuiltPlainRequestPlansAsItsProto) {
  v1::plain::BootstrapRequest plain;
  plain.create_namespaces = {v1::NAMESPACE_USER, v1::NAMESPACE_PID,
                             v1::NAMESPACE_MOUNT};
  v1::plain::NamespaceJoin net;
  net.type = v1::NAMESPACE_NET;
  net.target = v1::plain::NamespaceJoin::Target::kPath;
  net.path = "/var/run/netns/blue";
  v1::plain::NamespaceJoin uts;
  uts.type = v1::NAMESPACE_UTS;
  uts.target = v1::plain::NamespaceJoin::Target::kPid;
  uts.pid = 42;
  v1::plain::NamespaceJoin ipc;
  ipc.type = v1::NAMESPACE_IPC;
  ipc.target = v1::plain::NamespaceJoin::Target::kPidfd;
  ipc.pidfd = 7;
  plain.join_namespaces = {net, uts, ipc};
  plain.uid_mappings = {{0, 100000, 65536}};
  plain.gid_mappings = {{0, 100000, 65536}, {65536, 5000, 1}};
  plain.setgroups = v1::SETGROUPS_ALLOW;
  plain.rootless_euid = false;
  plain.uidmap_helper = "/usr/bin/newuidmap";
  plain.gidmap_helper = "/usr/bin/newgidmap";
  plain.oom_score_adj = -500;
  v1::plain::Options options;
  options.parent_death_signal = 15;
  options.log_level = v1::LOG_LEVEL_DEBUG;
  options.reply_pidfds = true;
  plain.options = options;

  const v1::BootstrapRequest proto = Request(R"pb(
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_PID, NAMESPACE_MOUNT ]
    join_namespaces { type: NAMESPACE_NET path: "/var/run/netns/blue" }
    join_namespaces { type: NAMESPACE_UTS pid: 42 }
    join_namespaces { type: NAMESPACE_IPC pidfd: 7 }
    uid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 0 host_id: 100000 size: 65536 }
    gid_mappings { container_id: 65536 host_id: 5000 size: 1 }
    setgroups: SETGROUPS_ALLOW
    rootless_euid: false
    uidmap_helper: "/usr/bin/newuidmap"
    gidmap_helper: "/usr/bin/newgidmap"
    oom_score_adj: -500
    options {
      parent_death_signal: 15
      log_level: LOG_LEVEL_DEBUG
      reply_pidfds: true
    }
  )pb");
  ASSERT_TRUE(v1::ToPlain(proto) == plain);
  for (const PlanOptions& options : {Options(), Three()}) {
    NSBOOT_ASSERT_OK_AND_ASSIGN(Plan from_plain, MakePlan(plain, options));
    NSBOOT_ASSERT_OK_AND_ASSIGN(Plan from_proto, MakePlan(proto, options));
    EXPECT_EQ(FormatPlan(from_plain), FormatPlan(from_proto));
    EXPECT_TRUE(from_plain.reply_pidfds);
    EXPECT_EQ(from_plain.log_level, v1::LOG_LEVEL_DEBUG);
  }
}

TEST(MakePlanPlainTest, PlainAndProtoOverloadsAgree) {
  const char* const kRequests[] = {
      "",
      "create_namespaces: [NAMESPACE_MOUNT, NAMESPACE_UTS, NAMESPACE_IPC, "
      "NAMESPACE_PID, NAMESPACE_NET] oom_score_adj: -999",
      "create_namespaces: [NAMESPACE_USER, NAMESPACE_NET] "
      "uid_mappings { container_id: 0 host_id: 1000 size: 1 } "
      "gid_mappings { container_id: 0 host_id: 1000 size: 1 } "
      "rootless_euid: true",
      "create_namespaces: [NAMESPACE_TIME, NAMESPACE_CGROUP] "
      "time_offsets { clock: TIME_CLOCK_BOOTTIME seconds: -5 nanoseconds: 9 }",
      "join_namespaces { type: NAMESPACE_USER pid: 9 } "
      "join_namespaces { type: NAMESPACE_NET pid: 9 } "
      "join_namespaces { type: NAMESPACE_MOUNT path: '/proc/9/ns/mnt' }",
      "options { log_level: LOG_LEVEL_TRACE }",
      // Rejected ones: the same error either way.
      "create_namespaces: 9",
      "setgroups: 7 create_namespaces: NAMESPACE_USER",
      "options { log_level: 8 }",
      "join_namespaces { type: NAMESPACE_NET }",
  };
  for (const char* text : kRequests) {
    const v1::BootstrapRequest proto = Request(text);
    for (ReplyProtocol protocol : {kNative, kRunc11, kRunc12}) {
      for (FinishMode finish : {FinishMode::kReturn, FinishMode::kExec}) {
        PlanOptions options = Options(protocol);
        options.finish = finish;
        EXPECT_EQ(PlanText(MakePlan(v1::ToPlain(proto), options)),
                  PlanText(MakePlan(proto, options)))
            << text << " " << ReplyProtocolName(protocol);
      }
    }
  }
}

TEST(MakePlanPlainTest, AbsentOptionsAndPresenceReadAsProtoDefaults) {
  v1::plain::BootstrapRequest absent;
  absent.create_namespaces = {v1::NAMESPACE_USER};
  v1::plain::BootstrapRequest defaults = absent;
  defaults.options = v1::plain::Options();
  defaults.rootless_euid = false;
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan a, MakePlan(absent, Options()));
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan b, MakePlan(defaults, Options()));
  EXPECT_EQ(FormatPlan(a), FormatPlan(b));
  EXPECT_EQ(a.log_level, Options().default_log_level);

  // rootless_euid: absent is false (no setgroups "deny" for a new userns).
  v1::plain::BootstrapRequest rootless = absent;
  rootless.uid_mappings = {{0, 1000, 1}};
  rootless.rootless_euid = true;
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan with, MakePlan(rootless, Options()));
  EXPECT_TRUE(Has(with.stages[0], StepKind::kWriteSetgroups));
  rootless.rootless_euid.reset();
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan without, MakePlan(rootless, Options()));
  EXPECT_FALSE(Has(without.stages[0], StepKind::kWriteSetgroups));
}

TEST(MakePlanPlainTest, OpenEnumsAndUnknownTargetKindAreRejected) {
  v1::plain::BootstrapRequest request;
  request.create_namespaces = {static_cast<v1::Namespace>(-3)};
  EXPECT_THAT(
      MakePlan(request, Options()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("create_namespaces[0]: unknown namespace -3")));

  request = v1::plain::BootstrapRequest();
  request.options.emplace().log_level = static_cast<v1::LogLevel>(1000);
  EXPECT_THAT(MakePlan(request, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("options.log_level: unknown level 1000")));

  request = v1::plain::BootstrapRequest();
  request.create_namespaces = {v1::NAMESPACE_TIME};
  request.time_offsets.emplace_back();
  request.time_offsets[0].clock = static_cast<v1::TimeClock>(3);
  EXPECT_THAT(MakePlan(request, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("time_offsets[0].clock: unknown clock 3")));

  // The target kind is a plain enum a decoder fills: a value outside it is
  // refused, not followed.
  request = v1::plain::BootstrapRequest();
  request.join_namespaces.emplace_back();
  request.join_namespaces[0].type = v1::NAMESPACE_NET;
  request.join_namespaces[0].target =
      static_cast<v1::plain::NamespaceJoin::Target>(5);
  request.join_namespaces[0].pid = 1;
  EXPECT_THAT(MakePlan(request, Options()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("join_namespaces[0]: unknown target kind 5")));
}

// StepName, StageName and LogLevelName stand in for the generated _Name
// functions on the protobuf-free path: they must never drift from them.
TEST(EnumNamesTest, MatchTheGeneratedNameFunctions) {
  const google::protobuf::EnumDescriptor* steps = v1::Step_descriptor();
  for (int i = 0; i < steps->value_count(); ++i) {
    const int n = steps->value(i)->number();
    EXPECT_EQ(StepName(static_cast<v1::Step>(n)),
              v1::Step_Name(static_cast<v1::Step>(n)));
  }
  const google::protobuf::EnumDescriptor* stages = v1::Stage_descriptor();
  for (int i = 0; i < stages->value_count(); ++i) {
    const int n = stages->value(i)->number();
    EXPECT_EQ(StageName(static_cast<v1::Stage>(n)),
              v1::Stage_Name(static_cast<v1::Stage>(n)));
  }
  const google::protobuf::EnumDescriptor* levels = v1::LogLevel_descriptor();
  for (int i = 0; i < levels->value_count(); ++i) {
    const int n = levels->value(i)->number();
    EXPECT_EQ(LogLevelName(static_cast<v1::LogLevel>(n)),
              v1::LogLevel_Name(static_cast<v1::LogLevel>(n)));
  }
  // Values outside the enums (open enums carry any int32).
  for (int n : {-1, 21, 1000}) {
    EXPECT_EQ(StepName(static_cast<v1::Step>(n)),
              v1::Step_Name(static_cast<v1::Step>(n)))
        << n;
    EXPECT_EQ(StageName(static_cast<v1::Stage>(n)),
              v1::Stage_Name(static_cast<v1::Stage>(n)))
        << n;
    EXPECT_EQ(LogLevelName(static_cast<v1::LogLevel>(n)),
              v1::LogLevel_Name(static_cast<v1::LogLevel>(n)))
        << n;
  }
  EXPECT_STREQ(StepName(v1::STEP_SETNS), "STEP_SETNS");
  EXPECT_STREQ(StageName(v1::STAGE_CHILD), "STAGE_CHILD");
}

// ---------------------------------------------------------------------------
// Golden formatted plans of realistic requests.

struct GoldenCase {
  const char* name;
  const char* request;
  ReplyProtocol protocol;
  FinishMode finish;
  const char* golden;
};

class GoldenPlanTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenPlanTest, FormatsAsExpected) {
  const GoldenCase& c = GetParam();
  PlanOptions options = Options(c.protocol);
  options.finish = c.finish;
  NSBOOT_ASSERT_OK_AND_ASSIGN(Plan plan, MakePlan(Request(c.request), options));
  EXPECT_EQ(FormatPlan(plan), c.golden) << "actual:\n" << FormatPlan(plan);
}

INSTANTIATE_TEST_SUITE_P(
    Realistic, GoldenPlanTest,
    ::testing::Values(
        // `runc run`, rootful, no user namespace (hex dump A of the notes).
        GoldenCase{"RuncRun",
                   R"pb(
                     create_namespaces: [
                       NAMESPACE_MOUNT,
                       NAMESPACE_UTS,
                       NAMESPACE_IPC,
                       NAMESPACE_PID,
                       NAMESPACE_NET
                     ]
                     oom_score_adj: -999
                     rootless_euid: false
                   )pb",
                   kRunc12, FinishMode::kReturn,
                   R"(plan: schema v1, protocol runc-1.2, finish return, log level LOG_LEVEL_INFO
create: mnt,uts,ipc,pid,net
join: none
processes: 2; no stage 1: stage 0 clones the final process into every new namespace (no time namespace created); stage1_pid is a placeholder process that exits at once
stage 0 PARENT "nsboot:0:PARENT": stays in the caller's namespaces, clones the final process, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 9
   3. write-oom-score-adj /proc/self/oom_score_adj "-999"
   4. clone-placeholder stage1_pid (clone3 CLONE_PARENT|CLONE_VM; exits at once)
   5. clone-final stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD; new mnt,uts,ipc,pid,net)
   6. reply-pids (PID JSON line on the init pipe)
   7. release-init stage 2
   8. await-init (init-finish; skipped when stage 0's ids are all 0: nothing left can fail in stage 2)
   9. parent-done (Run returns; the caller exits 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. setsid
   3. become-root setresgid(0,0,0) setresuid(0,0,0) (skipped when stage 0's ids are all 0)
   4. await-release
   5. finish-return (init-finish unless skipped, return into the caller)
)"},
        // `runc exec` into a running container: join everything by path.
        GoldenCase{"RuncExec",
                   R"pb(
                     join_namespaces { type: NAMESPACE_USER path: "/proc/4242/ns/user" }
                     join_namespaces { type: NAMESPACE_IPC path: "/proc/4242/ns/ipc" }
                     join_namespaces { type: NAMESPACE_UTS path: "/proc/4242/ns/uts" }
                     join_namespaces { type: NAMESPACE_NET path: "/proc/4242/ns/net" }
                     join_namespaces { type: NAMESPACE_PID path: "/proc/4242/ns/pid" }
                     join_namespaces { type: NAMESPACE_MOUNT path: "/proc/4242/ns/mnt" }
                     join_namespaces { type: NAMESPACE_CGROUP path: "/proc/4242/ns/cgroup" }
                     oom_score_adj: 0
                   )pb",
                   kRunc11, FinishMode::kReturn,
                   R"(plan: schema v1, protocol runc-1.1, finish return, log level LOG_LEVEL_INFO
create: none
join:
  [0] user from path "/proc/4242/ns/user"
  [1] ipc from path "/proc/4242/ns/ipc"
  [2] uts from path "/proc/4242/ns/uts"
  [3] net from path "/proc/4242/ns/net"
  [4] pid from path "/proc/4242/ns/pid"
  [5] mnt from path "/proc/4242/ns/mnt"
  [6] cgroup from path "/proc/4242/ns/cgroup"
processes: 3; stage 2: joined pid namespace: only children of stage 1 enter it; three: a joined user namespace: stage 0 stays privileged in the caller's user namespace to report the final namespaces
stage 0 PARENT "nsboot:0:PARENT": stays in the caller's namespaces, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 9
   3. reply-ready (NUL byte on the init pipe)
   4. write-oom-score-adj /proc/self/oom_score_adj "0"
   5. set-dumpable 0
   6. clone-child stage 1 (clone3 CLONE_PARENT|CLONE_PIDFD)
   7. await init-pid
   8. reply-pids (PID JSON line on the init pipe)
   9. ack init-pid
  10. await child-finish
  11. release-init stage 2
  12. await-init (init-finish)
  13. parent-done (Run returns; the caller exits 0)
stage 1 CHILD "nsboot:1:CHILD": joins and creates namespaces, clones stage 2, exits
   1. set-name "nsboot:1:CHILD"
   2. parent-death-signal 9
   3. open-namespaces (all 7 targets before any setns, O_CLOEXEC)
   4. join [1] ipc from path "/proc/4242/ns/ipc"; EPERM deferred
   5. join [2] uts from path "/proc/4242/ns/uts"; EPERM deferred
   6. join [3] net from path "/proc/4242/ns/net"; EPERM deferred
   7. join [4] pid from path "/proc/4242/ns/pid"; EPERM deferred
   8. join [5] mnt from path "/proc/4242/ns/mnt"; EPERM deferred
   9. join [6] cgroup from path "/proc/4242/ns/cgroup"; EPERM deferred
  10. join [0] user from path "/proc/4242/ns/user"
  11. join-deferred (retry the EPERM ones; any failure is fatal)
  12. close-namespaces
  13. clone-init stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD)
  14. report-init-pid (pid and pidfd of stage 2)
  15. exit-child (child-finish, exit 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. setsid
   3. become-root setresgid(0,0,0) setresuid(0,0,0)
   4. await-release
   5. finish-return (init-finish, return into the caller)
)"},
        // Rootless: a user namespace whose multi-line maps need the
        // setuid helpers, native replies with pidfds, exec of a command.
        GoldenCase{"RootlessWithHelpers",
                   R"pb(
                     create_namespaces: [
                       NAMESPACE_USER,
                       NAMESPACE_MOUNT,
                       NAMESPACE_PID,
                       NAMESPACE_NET
                     ]
                     uid_mappings { container_id: 0 host_id: 1000 size: 1 }
                     uid_mappings { container_id: 1 host_id: 100000 size: 65536 }
                     gid_mappings { container_id: 0 host_id: 1000 size: 1 }
                     gid_mappings { container_id: 1 host_id: 100000 size: 65536 }
                     rootless_euid: true
                     uidmap_helper: "/usr/bin/newuidmap"
                     gidmap_helper: "/usr/bin/newgidmap"
                     options { reply_pidfds: true log_level: LOG_LEVEL_DEBUG }
                   )pb",
                   kNative, FinishMode::kExec,
                   R"(plan: schema v1, protocol native, finish exec, log level LOG_LEVEL_DEBUG
create: mnt,user,pid,net
join: none
processes: 2; no stage 1: stage 0 clones the final process into every new namespace (no time namespace created)
stage 0 PARENT "nsboot:0:PARENT": stays in the caller's namespaces, clones the final process, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 9
   3. reply-ready (Ready, schema versions 1, 2)
   4. clone-final stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD; new mnt,user,pid,net)
   5. write-setgroups /proc/<stage2>/setgroups "deny"
   6. write-uid-map /proc/<stage2>/uid_map "0 1000 1\n1 100000 65536\n"; on EPERM: "/usr/bin/newuidmap" <stage2> 0 1000 1 1 100000 65536
   7. write-gid-map /proc/<stage2>/gid_map "0 1000 1\n1 100000 65536\n"; on EPERM: "/usr/bin/newgidmap" <stage2> 0 1000 1 1 100000 65536
   8. reply-pids (Pids with pidfds)
   9. release-init stage 2
  10. await-init (exec succeeded: EOF after init-finish)
  11. parent-done (Run returns; the caller exits 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. await-release
   3. become-root setresgid(0,0,0) setresuid(0,0,0)
   4. finish-exec (execve the command)
)"},
        // A time namespace with offsets, its pid namespace joined by pid.
        GoldenCase{"TimeNamespace",
                   R"pb(
                     create_namespaces: [ NAMESPACE_TIME, NAMESPACE_UTS ]
                     join_namespaces { type: NAMESPACE_PID pid: 77 }
                     join_namespaces { type: NAMESPACE_NET pid: 77 }
                     time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: -86400 }
                     time_offsets {
                       clock: TIME_CLOCK_BOOTTIME
                       seconds: 3600
                       nanoseconds: 999999999
                     }
                     options { parent_death_signal: 15 }
                   )pb",
                   kRunc12, FinishMode::kReturn,
                   R"(plan: schema v1, protocol runc-1.2, finish return, log level LOG_LEVEL_INFO
create: uts,time
join:
  [0] pid,net of pid 77 (pidfd_open, one setns)
processes: 3; stage 2: joined pid namespace: only children of stage 1 enter it; three: a new time namespace gets its offsets before any process is inside it
stage 0 PARENT "nsboot:0:PARENT": stays in the caller's namespaces, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 15
   3. set-dumpable 0
   4. clone-child stage 1 (clone3 CLONE_PARENT|CLONE_PIDFD)
   5. await time-offsets
   6. write-time-offsets /proc/<stage1>/timens_offsets "monotonic -86400 0\nboottime 3600 999999999\n"
   7. ack time-offsets
   8. await init-pid
   9. reply-pids (PID JSON line on the init pipe)
  10. ack init-pid
  11. await child-finish
  12. release-init stage 2
  13. await-init (init-finish)
  14. parent-done (Run returns; the caller exits 0)
stage 1 CHILD "nsboot:1:CHILD": joins and creates namespaces, clones stage 2, exits
   1. set-name "nsboot:1:CHILD"
   2. parent-death-signal 15
   3. open-namespaces (all 1 target before any setns, O_CLOEXEC)
   4. join [0] pid,net of pid 77 (pidfd_open, one setns)
   5. close-namespaces
   6. set-dumpable 1
   7. unshare uts,time
   8. request time-offsets
   9. set-dumpable 0
  10. clone-init stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD)
  11. report-init-pid (pid and pidfd of stage 2)
  12. exit-child (child-finish, exit 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. setsid
   3. become-root setresgid(0,0,0) setresuid(0,0,0)
   4. await-release
   5. parent-death-signal 15
   6. finish-return (init-finish, return into the caller)
)"},
        // Native, create: every new namespace at once, by one clone3.
        GoldenCase{"NativeCreate",
                   R"pb(
                     create_namespaces: [
                       NAMESPACE_MOUNT,
                       NAMESPACE_UTS,
                       NAMESPACE_IPC,
                       NAMESPACE_PID,
                       NAMESPACE_NET,
                       NAMESPACE_CGROUP
                     ]
                     oom_score_adj: 100
                   )pb",
                   kNative, FinishMode::kReturn, 
                   R"(plan: schema v1, protocol native, finish return, log level LOG_LEVEL_INFO
create: mnt,uts,ipc,pid,net,cgroup
join: none
processes: 2; no stage 1: stage 0 clones the final process into every new namespace (no time namespace created)
stage 0 PARENT "nsboot:0:PARENT": stays in the caller's namespaces, clones the final process, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 9
   3. reply-ready (Ready, schema versions 1, 2)
   4. write-oom-score-adj /proc/self/oom_score_adj "100"
   5. clone-final stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD; new mnt,uts,ipc,pid,net,cgroup)
   6. reply-pids (Pids)
   7. release-init stage 2
   8. await-init (init-finish; skipped when stage 0's ids are all 0: nothing left can fail in stage 2)
   9. parent-done (Run returns; the caller exits 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. await-release
   3. finish-return (init-finish unless skipped, return into the caller)
)"},
        // Native, join by pid (grouped), plus a new namespace.
        GoldenCase{"NativeJoinByPid",
                   R"pb(
                     join_namespaces { type: NAMESPACE_NET pid: 4242 }
                     join_namespaces { type: NAMESPACE_PID pid: 4242 }
                     join_namespaces { type: NAMESPACE_MOUNT path: "/proc/4242/ns/mnt" }
                     create_namespaces: NAMESPACE_UTS
                   )pb",
                   kNative, FinishMode::kExec, 
                   R"(plan: schema v1, protocol native, finish exec, log level LOG_LEVEL_INFO
create: uts
join:
  [0] net,pid of pid 4242 (pidfd_open, one setns)
  [1] mnt from path "/proc/4242/ns/mnt"
processes: 2; no stage 1: stage 0 joins, then clones the final process into every new namespace (no time namespace created, no user namespace joined)
stage 0 PARENT "nsboot:0:PARENT": joins namespaces, clones the final process, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 9
   3. reply-ready (Ready, schema versions 1, 2)
   4. set-dumpable 0
   5. open-namespaces (all 2 targets before any setns, O_CLOEXEC)
   6. join [0] net,pid of pid 4242 (pidfd_open, one setns)
   7. join [1] mnt from path "/proc/4242/ns/mnt"
   8. close-namespaces
   9. clone-final stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD; new uts)
  10. reply-pids (Pids)
  11. release-init stage 2
  12. await-init (exec succeeded: EOF after init-finish)
  13. parent-done (Run returns; the caller exits 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. await-release
   3. finish-exec (execve the command)
)"},
        // Native with a new time namespace: three processes, and why.
        GoldenCase{"NativeTimeStaysThree",
                   R"pb(
                     create_namespaces: [ NAMESPACE_TIME, NAMESPACE_NET ]
                     time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: 60 }
                   )pb",
                   kNative, FinishMode::kReturn, 
                   R"(plan: schema v1, protocol native, finish return, log level LOG_LEVEL_INFO
create: net,time
join: none
processes: 3; stage 2: new time namespace: only children of stage 1 enter it; three: a new time namespace gets its offsets before any process is inside it
stage 0 PARENT "nsboot:0:PARENT": stays in the caller's namespaces, writes from outside, replies
   1. set-name "nsboot:0:PARENT"
   2. parent-death-signal 9
   3. reply-ready (Ready, schema versions 1, 2)
   4. clone-child stage 1 (clone3 CLONE_PARENT|CLONE_PIDFD)
   5. await time-offsets
   6. write-time-offsets /proc/<stage1>/timens_offsets "monotonic 60 0\n"
   7. ack time-offsets
   8. await init-pid
   9. reply-pids (Pids)
  10. ack init-pid
  11. await child-finish
  12. release-init stage 2
  13. await-init (init-finish)
  14. parent-done (Run returns; the caller exits 0)
stage 1 CHILD "nsboot:1:CHILD": joins and creates namespaces, clones stage 2, exits
   1. set-name "nsboot:1:CHILD"
   2. parent-death-signal 9
   3. unshare net,time
   4. request time-offsets
   5. clone-init stage 2 (clone3 CLONE_PARENT|CLONE_PIDFD)
   6. report-init-pid (pid and pidfd of stage 2)
   7. exit-child (child-finish, exit 0)
stage 2 INIT "nsboot:2:INIT": the final process
   1. set-name "nsboot:2:INIT"
   2. await-release
   3. finish-return (init-finish, return into the caller)
)"}),
    [](const ::testing::TestParamInfo<GoldenCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace executor
}  // namespace nsboot
