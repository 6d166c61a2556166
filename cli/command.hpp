// How a subcommand plugs into burst-tune: each cli/cmd_*.cpp registers one function that declares
// its flags on a CLI11 subcommand and sets the action main() runs after parsing:
//
//   BURST_CLI_COMMAND(20, add_run_command)   // 20: position in --help
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

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

using AddCommand = void (*)(CLI::App& app, Context& ctx);

struct CommandRegistry {
  struct Entry {
    int order;
    AddCommand add;
  };
  static std::vector<Entry>& entries() {
    static std::vector<Entry> list;
    return list;
  }
  CommandRegistry(int order, AddCommand add) { entries().push_back({order, add}); }
};

}  // namespace burst::cli

#define BURST_CLI_CONCAT_(a, b) a##b
#define BURST_CLI_CONCAT(a, b) BURST_CLI_CONCAT_(a, b)
#define BURST_CLI_COMMAND(order, fn) \
  static ::burst::cli::CommandRegistry BURST_CLI_CONCAT(burst_cli_command_, __LINE__)(order, fn)
