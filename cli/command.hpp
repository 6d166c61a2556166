// How a subcommand plugs into burst-tune: each cli/cmd_*.cpp defines one add_*_command that
// declares its flags on a CLI11 subcommand and sets the action main() runs after parsing.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace burst::cli {

struct GlobalOptions {
  int verbose = 0;     // -v, -vv
  bool quiet = false;  // -q
  bool json = false;   // --json: output is data (one JSON document on stdout)
};

// Set by the parsed subcommand's callback; returns the process exit code.
using Action = std::function<int()>;

struct Context {
  GlobalOptions global;
  Action action;
};

void add_detect_command(CLI::App& app, Context& ctx);
void add_run_command(CLI::App& app, Context& ctx);

}  // namespace burst::cli
