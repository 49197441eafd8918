#include "cli/wire_commands.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace cli {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

struct Result {
  int code;
  std::string out;
  std::string err;
};

using Command = int (*)(const std::vector<std::string>&, CommandIo);

Result Invoke(Command cmd, std::vector<std::string> args, int stdin_fd = -1) {
  std::ostringstream out, err;
  int code = cmd(args, CommandIo{stdin_fd, out, err});
  return {code, out.str(), err.str()};
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::vector<std::string> VectorFiles(const std::string& suffix) {
  std::vector<std::string> files;
  DIR* dir = opendir("tests/vectors");
  if (dir == nullptr) return files;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) ==
            0) {
      files.push_back("tests/vectors/" + name);
    }
  }
  closedir(dir);
  return files;
}

TEST(DecodeCommandTest, DecodesEveryRuncVector) {
  std::vector<std::string> vectors = VectorFiles(".netlink.bin");
  ASSERT_FALSE(vectors.empty()) << "no golden vectors in tests/vectors";
  for (const std::string& path : vectors) {
    // Each vector says its dialect in its textproto; runc-1.2 vectors may
    // not decode as runc-1.1 (attribute 27290), so try both and require one.
    Result a = Invoke(RunDecode, {"--dialect=runc-1.1", path});
    Result b = Invoke(RunDecode, {"--dialect=runc-1.2", path});
    EXPECT_TRUE(a.code == kExitOk || b.code == kExitOk)
        << path << ": " << a.err << b.err;
    const Result& ok = a.code == kExitOk ? a : b;
    EXPECT_THAT(ok.out, StartsWith("# runc netlink, dialect runc-1."));
    EXPECT_THAT(ok.err, IsEmpty());
  }
}

TEST(EncodeDecodeTest, TextToFrameAndBack) {
  Result enc = Invoke(RunEncode, {"--to=proto", "examples/requests/join.textproto"});
  ASSERT_EQ(enc.code, kExitOk) << enc.err;
  EXPECT_THAT(enc.out, StartsWith("NSBT"));
  std::string path = WriteTemp("join.frame", enc.out);
  Result dec = Invoke(RunDecode, {path});
  ASSERT_EQ(dec.code, kExitOk) << dec.err;
  EXPECT_THAT(dec.out, HasSubstr("# nsboot frame v1"));
  EXPECT_THAT(dec.out, HasSubstr("path: \"/proc/1234/ns/net\""));
  EXPECT_THAT(dec.out, HasSubstr("oom_score_adj: -500"));
  Result json = Invoke(RunDecode, {"--json", path});
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"oomScoreAdj\": -500"));
  Result valid = Invoke(RunValidate, {"--format=proto", path});
  EXPECT_EQ(valid.code, kExitOk) << valid.err;
  EXPECT_THAT(valid.out, StartsWith("ok: nsboot frame v1"));
}

TEST(EncodeDecodeTest, JsonToNetlinkAndBack) {
  std::string json = WriteTemp(
      "req.json",
      R"({"createNamespaces": ["NAMESPACE_NET", "NAMESPACE_UTS"],
          "oomScoreAdj": 10, "rootlessEuid": false})");
  Result enc = Invoke(RunEncode, {"--to=netlink", "--json", json});
  ASSERT_EQ(enc.code, kExitOk) << enc.err;
  std::string path = WriteTemp("req.netlink", enc.out);
  Result dec = Invoke(RunDecode, {"--format=netlink", path});
  ASSERT_EQ(dec.code, kExitOk) << dec.err;
  EXPECT_THAT(dec.out, HasSubstr("NAMESPACE_NET"));
  EXPECT_THAT(dec.out, HasSubstr("oom_score_adj: 10"));
}

TEST(EncodeDecodeTest, ReadsStdin) {
  std::string path = WriteTemp(
      "stdin.textproto", "create_namespaces: NAMESPACE_IPC\n");
  int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  Result enc = Invoke(RunEncode, {"--to=proto", "-"}, fd);
  close(fd);
  ASSERT_EQ(enc.code, kExitOk) << enc.err;
  EXPECT_THAT(enc.out, StartsWith("NSBT"));
}

TEST(DecodeCommandTest, MalformedInputIsOneLineWithOffset) {
  std::string path = WriteTemp("garbage.bin", "this is not a request at all");
  Result r = Invoke(RunDecode, {path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("offset 0: neither"));
  EXPECT_THAT(r.err, EndsWith("\n"));
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line";
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(DecodeCommandTest, TruncatedInputIsDataError) {
  Result enc = Invoke(RunEncode, {"--to=proto", "examples/requests/join.textproto"});
  ASSERT_EQ(enc.code, kExitOk);
  std::string path = WriteTemp("cut.frame", enc.out.substr(0, 20));
  Result r = Invoke(RunDecode, {path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("offset 20: init pipe closed"));
}

TEST(DecodeCommandTest, TrailingBytesAreRejected) {
  Result enc = Invoke(RunEncode, {"--to=proto", "examples/requests/join.textproto"});
  ASSERT_EQ(enc.code, kExitOk);
  std::string path = WriteTemp("trailing.frame", enc.out + "X");
  Result r = Invoke(RunDecode, {path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("trailing bytes"));
}

TEST(DecodeCommandTest, FormatRestrictsTheEncoding) {
  Result enc = Invoke(RunEncode, {"--to=proto", "examples/requests/join.textproto"});
  std::string path = WriteTemp("restricted.frame", enc.out);
  Result r = Invoke(RunDecode, {"--format=netlink", path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("not accepted"));
}

TEST(CommandLineTest, UsageErrors) {
  EXPECT_EQ(Invoke(RunDecode, {"--format=xml"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunDecode, {"--bogus"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunDecode, {"a", "b"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunEncode, {"x.textproto"}).code, kExitUsage);  // no --to
  EXPECT_EQ(Invoke(RunEncode, {"--to=yaml"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunEncode, {"--to=proto", "--dialect=runc-9"}).code,
            kExitUsage);
  EXPECT_EQ(Invoke(RunValidate, {"--json"}).code, kExitUsage);
}

TEST(CommandLineTest, Help) {
  Result r = Invoke(RunDecode, {"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, StartsWith("usage: nsboot decode"));
  EXPECT_THAT(Invoke(RunEncode, {"--help"}).out, StartsWith("usage: nsboot encode"));
}

TEST(CommandLineTest, MissingFile) {
  Result r = Invoke(RunDecode, {"/nonexistent/request.bin"});
  EXPECT_EQ(r.code, kExitNoInput);
  EXPECT_THAT(r.err, HasSubstr("No such file or directory"));
}

TEST(EncodeCommandTest, BadTextIsDataErrorWithLine) {
  std::string path = WriteTemp("bad.textproto", "schema_version: 1\nbogus: 3\n");
  Result r = Invoke(RunEncode, {"--to=proto", path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("line 2"));
}

TEST(EncodeCommandTest, InvalidRequestIsRefused) {
  std::string path = WriteTemp("oom.textproto", "oom_score_adj: 4000\n");
  Result r = Invoke(RunEncode, {"--to=proto", path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("oom_score_adj"));
}

TEST(EncodeCommandTest, NetlinkCannotCarryNsbootExtensions) {
  std::string path = WriteTemp(
      "pidjoin.textproto",
      "join_namespaces { type: NAMESPACE_NET pid: 1 }\n");
  Result r = Invoke(RunEncode, {"--to=netlink", path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.out, IsEmpty());
}

}  // namespace
}  // namespace cli
}  // namespace nsboot

namespace nsboot {
namespace cli {
namespace {

TEST(PlanCommandTest, PlansARuncVectorInItsDialect) {
  Result r = Invoke(RunPlan, {"tests/vectors/exec_join_all.netlink.bin"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, StartsWith("plan: schema v1, protocol runc-1.1"));
  EXPECT_THAT(r.out, HasSubstr("join [0] user from path \"/proc/4242/ns/user\""));
  EXPECT_THAT(r.out, HasSubstr("set-dumpable 0"));
}

TEST(PlanCommandTest, PlansATextRequest) {
  Result r = Invoke(RunPlan, {"--exec", "examples/requests/default.textproto"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, StartsWith("plan: schema v1, protocol native, finish exec"));
  EXPECT_THAT(r.out, HasSubstr("write-setgroups"));
}

TEST(PlanCommandTest, PlansAFrame) {
  Result enc =
      Invoke(RunEncode, {"--to=proto", "examples/requests/join.textproto"});
  ASSERT_EQ(enc.code, kExitOk);
  std::string path = WriteTemp("plan.frame", enc.out);
  Result r = Invoke(RunPlan, {"--protocol=native", path});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("protocol native"));
  EXPECT_THAT(Invoke(RunPlan, {"--format=netlink", path}).code, kExitDataErr);
}

TEST(PlanCommandTest, SemanticErrorsAreDataErrors) {
  // Maps without a new user namespace: the plan refuses it.
  std::string path = WriteTemp(
      "nouserns.textproto",
      "create_namespaces: NAMESPACE_NET\n"
      "uid_mappings { container_id: 0 host_id: 1000 size: 1 }\n");
  Result r = Invoke(RunPlan, {path});
  EXPECT_EQ(r.code, kExitDataErr);
  EXPECT_THAT(r.err, HasSubstr("uid_mappings"));
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1);
}

TEST(PlanCommandTest, UsageErrors) {
  EXPECT_EQ(Invoke(RunPlan, {"--protocol=runc-2"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunPlan, {"--json"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunDecode, {"--exec"}).code, kExitUsage);
  EXPECT_EQ(Invoke(RunDecode, {"--format=text"}).code, kExitUsage);
  EXPECT_THAT(Invoke(RunPlan, {"--help"}).out, StartsWith("usage: nsboot plan"));
}

}  // namespace
}  // namespace cli
}  // namespace nsboot

namespace nsboot {
namespace cli {
namespace {

// plan and run --config share LoadRequestFile: JSON is detected by its '{'.
TEST(LoadRequestFileTest, TextJsonAndWireBytes) {
  std::ostringstream out, err;
  CommandIo io{-1, out, err};
  LoadedRequest loaded;
  int code = 0;
  const std::string json = WriteTemp("load.json", " {\"oomScoreAdj\": 5}");
  ASSERT_TRUE(LoadRequestFile(json, "auto", codec::RuncDialect::kRunc12, "t",
                              io, &loaded, &code))
      << err.str();
  EXPECT_EQ(loaded.request.oom_score_adj(), 5);
  EXPECT_FALSE(loaded.netlink);
  ASSERT_TRUE(LoadRequestFile("tests/vectors/run_basic.netlink.bin", "auto",
                              codec::RuncDialect::kRunc11, "t", io, &loaded,
                              &code));
  EXPECT_TRUE(loaded.netlink);
  // Invalid content: one line, prefixed, exit 65; a missing file is 66.
  const std::string bad = WriteTemp("load.textproto", "oom_score_adj: 5000\n");
  EXPECT_FALSE(LoadRequestFile(bad, "auto", codec::RuncDialect::kRunc12,
                               "nsboot x", io, &loaded, &code));
  EXPECT_EQ(code, kExitDataErr);
  EXPECT_THAT(err.str(), StartsWith("nsboot x: " + bad + ": oom_score_adj"));
  EXPECT_FALSE(LoadRequestFile("/nonexistent", "auto",
                               codec::RuncDialect::kRunc12, "t", io, &loaded,
                               &code));
  EXPECT_EQ(code, kExitNoInput);
  EXPECT_FALSE(LoadRequestFile(json, "netlink", codec::RuncDialect::kRunc12,
                               "t", io, &loaded, &code));
  EXPECT_EQ(code, kExitDataErr);
}

}  // namespace
}  // namespace cli
}  // namespace nsboot
