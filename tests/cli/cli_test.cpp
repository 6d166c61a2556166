// burst-tune argument parsing: usage errors exit 2 with a one-line message, --version, --help.
#include <gtest/gtest.h>

#include "cli/run_cli.hpp"

namespace burst::test {
namespace {

// The message is "burst-tune: error: <what>" on the first line of stderr.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

TEST(CliParsing, UnknownFlagIsUsageError) {
  const auto r = run_cli("--no-such-flag");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(first_line(r.err).find("burst-tune: error:"), std::string::npos) << r.err;
  EXPECT_NE(first_line(r.err).find("--no-such-flag"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliParsing, UnknownFlagAfterSubcommandIsUsageError) {
  const auto r = run_cli("detect --frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(first_line(r.err).find("--frobnicate"), std::string::npos) << r.err;
}

TEST(CliParsing, UnknownSubcommandIsUsageError) {
  const auto r = run_cli("detcet");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(first_line(r.err).find("detcet"), std::string::npos) << r.err;
}

TEST(CliParsing, BadFlagValueIsUsageError) {
  const auto r = run_cli("detect --json=maybe");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(first_line(r.err).find("maybe"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliParsing, ErrorMessageIsOneLinePlusHint) {
  const auto r = run_cli("--no-such-flag");
  EXPECT_LE(count_lines(r.err), 2) << r.err;
}

TEST(CliVersion, PrintsVersionAndFeatures) {
  const auto r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("burst-tune 0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CUDA:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NCCL:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MPI:"), std::string::npos) << r.out;
  // The CPU kernels' instruction set, chosen at run time among the compiled variants.
  EXPECT_NE(r.out.find("CPU kernels: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("built: "), std::string::npos) << r.out;
}

TEST(CliHelp, ListsDetect) {
  const auto r = run_cli("--help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("detect"), std::string::npos) << r.out;
}

TEST(CliHelp, DetectHelpMentionsJson) {
  const auto r = run_cli("detect --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--json"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace burst::test
