#include "codec/validate.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/nsboot/v1/bootstrap.pb.h"

namespace nsboot {
namespace codec {
namespace {

using ::nsboot::testing::IsOk;
using ::nsboot::testing::StatusIs;
using ::testing::HasSubstr;

v1::BootstrapRequest ParseText(absl::string_view text) {
  v1::BootstrapRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                            &request))
      << text;
  return request;
}

void ExpectInvalid(absl::string_view text, absl::string_view message) {
  EXPECT_THAT(ValidateRequest(ParseText(text)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(std::string(message))))
      << text;
}

TEST(ValidateRequestTest, EmptyRequestIsValid) {
  EXPECT_THAT(ValidateRequest(v1::BootstrapRequest()), IsOk());
}

TEST(ValidateRequestTest, EverythingWithinLimitsIsValid) {
  EXPECT_THAT(ValidateRequest(ParseText(R"pb(
    schema_version: 1
    create_namespaces: [ NAMESPACE_USER, NAMESPACE_MOUNT, NAMESPACE_TIME ]
    join_namespaces { type: NAMESPACE_NET path: "/proc/1/ns/net" }
    join_namespaces { type: NAMESPACE_IPC pid: 1 }
    join_namespaces { type: NAMESPACE_UTS pidfd: 0 }
    uid_mappings { container_id: 0 host_id: 4294967295 size: 1 }
    gid_mappings { container_id: 0 host_id: 0 size: 4294967295 }
    setgroups: SETGROUPS_DENY
    oom_score_adj: -1000
    rootless_euid: true
    uidmap_helper: "/usr/bin/newuidmap"
    gidmap_helper: "/usr/bin/newgidmap"
    time_offsets { clock: TIME_CLOCK_MONOTONIC seconds: -1 nanoseconds: 999999999 }
    time_offsets { clock: TIME_CLOCK_BOOTTIME }
    mount_sources: [ "", "/src" ]
    options { seal_exe: true parent_death_signal: 64 log_level: LOG_LEVEL_TRACE }
    netlink_layout { attribute_order: [ 27281, 27290 ] flags: 65535 }
  )pb")),
              IsOk());
}

TEST(ValidateRequestTest, SchemaVersion) {
  ExpectInvalid("schema_version: 3", "schema_version: 3 is not supported");
  EXPECT_THAT(ValidateRequest(ParseText("schema_version: 2")), IsOk());
}

// A version 2 field needs a version 2 request: a parent that wrote
// schema_version 1 wrote for children that would reject the field.
TEST(ValidateRequestTest, VersionTwoFields) {
  EXPECT_THAT(ValidateRequest(ParseText(
                  "schema_version: 2 options { skip_namespace_ids: true }")),
              IsOk());
  ExpectInvalid("schema_version: 1 options { skip_namespace_ids: true }",
                "options.skip_namespace_ids: a schema_version 2 field in a "
                "version 1 request");
  ExpectInvalid("options { skip_namespace_ids: true }",
                "options.skip_namespace_ids: a schema_version 2 field");
}

TEST(ValidateRequestTest, CreateNamespaces) {
  ExpectInvalid("create_namespaces: NAMESPACE_UNSPECIFIED",
                "create_namespaces[0]: unknown namespace NAMESPACE_UNSPECIFIED");
  ExpectInvalid("create_namespaces: 42", "create_namespaces[0]: unknown "
                                         "namespace 42");
  ExpectInvalid("create_namespaces: [ NAMESPACE_NET, NAMESPACE_PID, NAMESPACE_NET ]",
                "create_namespaces[2]: duplicate NAMESPACE_NET");
}

TEST(ValidateRequestTest, JoinType) {
  ExpectInvalid("join_namespaces { path: \"/a\" }",
                "join_namespaces[0].type: unknown namespace "
                "NAMESPACE_UNSPECIFIED");
  ExpectInvalid("join_namespaces { type: 9 path: \"/a\" }",
                "join_namespaces[0].type: unknown namespace 9");
  ExpectInvalid(
      "join_namespaces { type: NAMESPACE_NET path: \"/a\" } "
      "join_namespaces { type: NAMESPACE_IPC path: \"/b\" } "
      "join_namespaces { type: NAMESPACE_NET pid: 3 }",
      "join_namespaces[2].type: second join of NAMESPACE_NET (first at "
      "join_namespaces[0])");
}

TEST(ValidateRequestTest, JoinTarget) {
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET }",
                "join_namespaces[0]: no path, pid or pidfd");
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET path: \"\" }",
                "join_namespaces[0].path: empty");
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET path: \"a/b\" }",
                "join_namespaces[0].path: not absolute");
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET path: \"/a\\000b\" }",
                "join_namespaces[0].path: contains a NUL byte");
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET pid: 0 }",
                "join_namespaces[0].pid: 0, must be positive");
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET pid: -4 }",
                "join_namespaces[0].pid: -4, must be positive");
  ExpectInvalid("join_namespaces { type: NAMESPACE_NET pidfd: -1 }",
                "join_namespaces[0].pidfd: -1, must be >= 0");
}

TEST(ValidateRequestTest, JoinPathLength) {
  v1::BootstrapRequest request;
  v1::NamespaceJoin* join = request.add_join_namespaces();
  join->set_type(v1::NAMESPACE_NET);
  join->set_path("/" + std::string(4094, 'p'));
  EXPECT_THAT(ValidateRequest(request), IsOk());
  join->set_path("/" + std::string(4095, 'p'));
  EXPECT_THAT(ValidateRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "join_namespaces[0].path: 4096 bytes, over the limit "
                       "of 4095"));
}

TEST(ValidateRequestTest, IdMappings) {
  ExpectInvalid("uid_mappings { host_id: 1 }",
                "uid_mappings[0].size: 0, must be at least 1");
  ExpectInvalid("gid_mappings { size: 1 } gid_mappings { container_id: 4294967295 size: 2 }",
                "gid_mappings[1]: container range 4294967295+2 wraps past "
                "2^32");
  ExpectInvalid("uid_mappings { host_id: 4294967200 size: 97 }",
                "uid_mappings[0]: host range 4294967200+97 wraps past 2^32");
  v1::BootstrapRequest request;
  for (int i = 0; i < 340; ++i) {
    v1::IdMapping* m = request.add_gid_mappings();
    m->set_container_id(i);
    m->set_size(1);
  }
  EXPECT_THAT(ValidateRequest(request), IsOk());
  request.add_gid_mappings()->set_size(1);
  EXPECT_THAT(ValidateRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "gid_mappings: 341 entries, over the kernel's limit "
                       "of 340"));
}

TEST(ValidateRequestTest, Setgroups) {
  ExpectInvalid("setgroups: 3", "setgroups: unknown policy 3");
}

TEST(ValidateRequestTest, OomScoreAdj) {
  EXPECT_THAT(ValidateRequest(ParseText("oom_score_adj: 1000")), IsOk());
  ExpectInvalid("oom_score_adj: 1001",
                "oom_score_adj: 1001, must be -1000..1000");
  ExpectInvalid("oom_score_adj: -1001",
                "oom_score_adj: -1001, must be -1000..1000");
}

TEST(ValidateRequestTest, HelperPaths) {
  ExpectInvalid("uidmap_helper: \"newuidmap\"", "uidmap_helper: not absolute");
  ExpectInvalid("gidmap_helper: \"/a\\000\"",
                "gidmap_helper: contains a NUL byte");
}

TEST(ValidateRequestTest, TimeOffsets) {
  ExpectInvalid("time_offsets { seconds: 1 }",
                "time_offsets[0].clock: unknown clock 0");
  ExpectInvalid("time_offsets { clock: 3 }",
                "time_offsets[0].clock: unknown clock 3");
  ExpectInvalid(
      "time_offsets { clock: TIME_CLOCK_BOOTTIME } "
      "time_offsets { clock: TIME_CLOCK_BOOTTIME }",
      "time_offsets[1].clock: second offset for TIME_CLOCK_BOOTTIME");
  ExpectInvalid("time_offsets { clock: TIME_CLOCK_BOOTTIME nanoseconds: -1 }",
                "time_offsets[0].nanoseconds: -1, must be in [0, 1000000000)");
  ExpectInvalid(
      "time_offsets { clock: TIME_CLOCK_BOOTTIME nanoseconds: 1000000000 }",
      "time_offsets[0].nanoseconds: 1000000000");
}

TEST(ValidateRequestTest, MountSources) {
  ExpectInvalid("mount_sources: [ \"\", \"rel\" ]",
                "mount_sources[1]: not absolute");
  v1::BootstrapRequest request;
  for (int i = 0; i < 1024; ++i) request.add_mount_sources("");
  EXPECT_THAT(ValidateRequest(request), IsOk());
  request.add_mount_sources("");
  EXPECT_THAT(ValidateRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "mount_sources: 1025 entries, over the limit of 1024"));
}

TEST(ValidateRequestTest, Options) {
  ExpectInvalid("options { log_level: 8 }",
                "options.log_level: unknown log level 8");
  ExpectInvalid("options { parent_death_signal: 65 }",
                "options.parent_death_signal: 65, must be 0..64");
  ExpectInvalid("options { parent_death_signal: -1 }",
                "options.parent_death_signal: -1");
}

TEST(ValidateRequestTest, NetlinkLayout) {
  ExpectInvalid("netlink_layout { attribute_order: 27280 }",
                "netlink_layout.attribute_order[0]: unknown attribute type "
                "27280");
  ExpectInvalid("netlink_layout { attribute_order: [ 27281, 27281 ] }",
                "netlink_layout.attribute_order[1]: attribute type 27281 "
                "listed twice");
  ExpectInvalid("netlink_layout { flags: 65536 }",
                "netlink_layout.flags: 65536 does not fit in 16 bits");
  ExpectInvalid(
      "netlink_layout { attribute_order: [ 27281, 27282, 27283, 27284, 27285, "
      "27286, 27287, 27288, 27289, 27290, 27281 ] }",
      "netlink_layout.attribute_order: 11 entries, at most 10");
}

}  // namespace
}  // namespace codec
}  // namespace nsboot
