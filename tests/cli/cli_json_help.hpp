// Helpers of the CLI tests that read a command's --json output or one option's line of its --help.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/run_cli.hpp"

namespace burst::test {

// The JSON document `burst-tune --json ARGS` prints (expecting exit 0).
inline nlohmann::json json_of(const std::string& args) {
  const CliResult r = run_cli("--json " + args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << args << ": not JSON: " << r.out;
  return j;
}

// `burst-tune COMMAND --help`.
inline std::string help_of(const std::string& command) {
  const CliResult r = run_cli(command + " --help");
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.err;
  return r.out;
}

// The line of `help` that lists `option` ("  --world INT:1..1024=2  Ranks ..."), "" when none.
inline std::string help_line(const std::string& help, const std::string& option) {
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, option.size(), option) == 0) return line;
  }
  return "";
}

}  // namespace burst::test
