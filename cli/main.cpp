// burst-tune: profile and autotune BurstAttention on the machine in front of it.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "burst/error.hpp"
#include "burst/log.hpp"
#include "cli/command.hpp"
#include "cli/version.hpp"
#include "comm/launch.hpp"

namespace {

// One line on stderr. Under mpirun with more than one rank, the line is printed and the whole job
// is aborted (MPI_Abort with `code`): the other ranks would otherwise wait out their deadline in a
// collective this rank never joins, then blame "a rank did not join" (docs/comm.md).
int report_error(const char* what, int code) {
  const std::string line = fmt::format("burst-tune: error: {}", what);
  burst::comm::abort_mpi_job(line, code);  // returns only when not in a multi-rank MPI job
  fmt::print(stderr, "{}\n", line);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace burst::cli;
  CLI::App app{"burst-tune: profile and autotune BurstAttention (distributed ring attention)", "burst-tune"};
  app.require_subcommand(0, 1);
  app.fallthrough();
  Context ctx;
  app.set_version_flag(
      "--version", [] { return version_text(); }, "Print the version and the build's features");
  app.add_flag("-v,--verbose", ctx.global.verbose, "More output (repeat for debug)");
  app.add_flag("-q,--quiet", ctx.global.quiet, "Only errors and the result");
  app.add_flag("--json", ctx.global.json, "Print the result as JSON (commands whose output is data)");

  auto entries = CommandRegistry::entries();
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& entry : entries) entry.add(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line naming what was wrong; usage errors exit with 2.
    fmt::print(stderr, "burst-tune: error: {}\n", e.what());
    if (e.get_exit_code() != 0) fmt::print(stderr, "Run with --help for usage.\n");
    return 2;
  }

  if (ctx.global.quiet) burst::set_log_level(burst::LogLevel::error);
  if (ctx.global.verbose == 1) burst::set_log_level(burst::LogLevel::info);
  if (ctx.global.verbose >= 2) burst::set_log_level(burst::LogLevel::debug);

  if (!ctx.action) {
    fmt::print("{}", app.help());
    return 0;
  }
  try {
    return ctx.action();
  } catch (const burst::InvalidArgument& e) {
    return report_error(e.what(), 2);
  } catch (const burst::Error& e) {
    return report_error(e.what(), 1);
  } catch (const std::exception& e) {
    return report_error(e.what(), 1);
  }
}
