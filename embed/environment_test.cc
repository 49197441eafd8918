#include "embed/environment.h"

#include <map>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace embed {
namespace {

using ::nsboot::testing::IsOkAndHolds;
using ::nsboot::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

absl::StatusOr<HookEnvironment> Parse(std::map<std::string, std::string> env,
                                      int linked = 12) {
  return ParseHookEnvironment(
      [&env](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      linked);
}

TEST(EnvironmentTest, NothingSetIsInert) {
  auto env = Parse({});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->contract, Contract::kNone);
  EXPECT_EQ(Parse({{"_LIBCONTAINER_INITPIPE", ""}})->contract, Contract::kNone);
}

TEST(EnvironmentTest, RuncContract) {
  auto env = Parse({{"_LIBCONTAINER_INITPIPE", "3"},
                    {"_LIBCONTAINER_LOGPIPE", "4"},
                    {"_LIBCONTAINER_LOGLEVEL", "5"},
                    {"_LIBCONTAINER_MOUNT_FDS", "[7,-1,9]"}},
                   11);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->contract, Contract::kRunc);
  EXPECT_EQ(env->init_fd, 3);
  EXPECT_EQ(env->log_fd, 4);
  EXPECT_EQ(env->log_level, v1::LOG_LEVEL_DEBUG);
  EXPECT_EQ(env->dialect, codec::RuncDialect::kRunc11);
  EXPECT_TRUE(env->has_mount_fds);
  EXPECT_THAT(env->mount_fds, ElementsAre(7, -1, 9));
}

TEST(EnvironmentTest, NativeContract) {
  auto env = Parse({{"NSBOOT_INITPIPE", "10"}, {"NSBOOT_SEAL_EXE", "1"}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->contract, Contract::kNative);
  EXPECT_EQ(env->init_fd, 10);
  EXPECT_TRUE(env->seal_requested);
}

TEST(EnvironmentTest, DialectOverride) {
  EXPECT_EQ(Parse({{"_LIBCONTAINER_INITPIPE", "3"},
                   {"NSBOOT_RUNC_DIALECT", "11"}})
                ->dialect,
            codec::RuncDialect::kRunc11);
  EXPECT_THAT(Parse({{"_LIBCONTAINER_INITPIPE", "3"},
                     {"NSBOOT_RUNC_DIALECT", "1.1"}}),
              StatusIs(kInvalid, HasSubstr("want 11 or 12")));
  EXPECT_THAT(Parse({{"_LIBCONTAINER_INITPIPE", "3"}}, 13),
              StatusIs(kInvalid, HasSubstr("nsboot_runc_dialect")));
}

TEST(EnvironmentTest, BadValuesAreErrorsNotGuesses) {
  for (const char* bad : {"-1", "3x", " 3", "03", "99999999999", "+3"}) {
    EXPECT_THAT(Parse({{"_LIBCONTAINER_INITPIPE", bad}}),
                StatusIs(kInvalid, HasSubstr("_LIBCONTAINER_INITPIPE")))
        << bad;
  }
  EXPECT_THAT(Parse({{"_LIBCONTAINER_INITPIPE", "3"},
                     {"_LIBCONTAINER_LOGLEVEL", "7"}}),
              StatusIs(kInvalid, HasSubstr("above 6")));
  EXPECT_THAT(Parse({{"_LIBCONTAINER_INITPIPE", "3"}, {"NSBOOT_INITPIPE", "4"}}),
              StatusIs(kInvalid, HasSubstr("both")));
  EXPECT_THAT(Parse({{"NSBOOT_INITPIPE", "4"}, {"NSBOOT_SEAL_EXE", "yes"}}),
              StatusIs(kInvalid));
}

// The inert check agrees with getenv: the first entry of a name decides,
// and only a non-empty value of exactly that name counts.
bool Names(std::vector<std::string> entries) {
  std::vector<char*> env;
  for (std::string& e : entries) env.push_back(e.data());
  env.push_back(nullptr);
  return NamesInitPipe(env.data());
}

TEST(NamesInitPipeTest, MatchesGetenvSemantics) {
  EXPECT_FALSE(NamesInitPipe(nullptr));
  EXPECT_FALSE(Names({}));
  EXPECT_FALSE(Names({"_=/usr/bin/runc", "NS=1", "_L=2", "PATH=/bin"}));
  EXPECT_TRUE(Names({"_=/x", "_LIBCONTAINER_INITPIPE=3"}));
  EXPECT_TRUE(Names({"HOME=/", "NSBOOT_INITPIPE=4"}));
  EXPECT_TRUE(Names({"_LIBCONTAINER_INITPIPE=", "NSBOOT_INITPIPE=4"}));
  // Empty values, near-miss names, the first entry deciding.
  EXPECT_FALSE(Names({"_LIBCONTAINER_INITPIPE=", "NSBOOT_INITPIPE="}));
  EXPECT_FALSE(Names({"NSBOOT_INITPIPE", "_LIBCONTAINER_INITPIP=3"}));
  EXPECT_FALSE(Names({"NSBOOT_INITPIPEX=3", "_LIBCONTAINER_INITPIPE_=3"}));
  EXPECT_FALSE(Names({"nsboot_initpipe=3", "_libcontainer_initpipe=3"}));
  EXPECT_FALSE(Names({"NSBOOT_INITPIPE=", "NSBOOT_INITPIPE=3"}));
  EXPECT_TRUE(Names({"NSBOOT_INITPIPE=3", "NSBOOT_INITPIPE="}));
  EXPECT_TRUE(Names({"", "N", "_", "NSBOOT_INITPIPE=x"}));
}

TEST(MountFdsTest, Parses) {
  EXPECT_THAT(ParseMountFds("[]"), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(ParseMountFds("[-1]"), IsOkAndHolds(ElementsAre(-1)));
  EXPECT_THAT(ParseMountFds("[3,4]"), IsOkAndHolds(ElementsAre(3, 4)));
}

TEST(MountFdsTest, RejectsMalformed) {
  for (const char* bad : {"", "3,4]", "[3,4", "[3,,4]", "[3;4]", "[-2]",
                          "[3]x", "[-10]", "[ 3]", "[3,]"}) {
    EXPECT_THAT(ParseMountFds(bad), StatusIs(kInvalid)) << bad;
  }
  std::string many = "[";
  for (int i = 0; i < 1025; ++i) many += i ? ",-1" : "-1";
  many += "]";
  EXPECT_THAT(ParseMountFds(many.c_str()),
              StatusIs(kInvalid, HasSubstr("more than 1024")));
}

}  // namespace
}  // namespace embed
}  // namespace nsboot
