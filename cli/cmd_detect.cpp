// burst-tune detect: what the tool will tune on (host, GPUs and their links, library versions,
// every rank's place under MPI) as a table or, with --json, as the documented JSON document.
#include <fmt/core.h>

#include <cstdio>
#include <memory>

#include "burst/communicator.hpp"
#include "burst/log.hpp"
#include "burst/system.hpp"
#include "cli/cmd_detect_output.hpp"
#include "cli/command.hpp"
#include "comm/launch.hpp"

namespace burst::cli {
namespace {

int run_detect(const Context& ctx) {
  std::unique_ptr<Communicator> world;
  if (comm::launched_by_mpi()) {
    if (comm::mpi_available()) {
      world = comm::make_mpi_world();
    } else {
      log_warning("launched under MPI but this build has no MPI support; detecting this process only");
    }
  }
  const SystemInfo sys = detect_system(world.get());
  if (world && world->rank() != 0) return 0;  // rank 0 speaks for the world
  if (ctx.global.json) {
    fmt::print("{}\n", detect_to_json(sys).dump(2));
  } else {
    fmt::print("{}", detect_to_table(sys, ctx.global.verbose > 0));
  }
  std::fflush(stdout);
  return 0;
}

void add_detect_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("detect", "Show the hardware, libraries and topology burst-tune will tune on");
  cmd->footer(
      "Under MPI (mpirun -n K burst-tune detect) every rank reports and rank 0 prints the world.\n"
      "--json prints one JSON document (schema burst-detect/1, see docs/detect.md).");
  cmd->callback([&ctx] { ctx.action = [&ctx] { return run_detect(ctx); }; });
}

}  // namespace
}  // namespace burst::cli

BURST_CLI_COMMAND(10, burst::cli::add_detect_command);
