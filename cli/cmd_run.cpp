// burst-tune run: one configuration, run and measured (and checked with --check).
#include <fmt/core.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "cli/run_flags.hpp"

namespace burst::cli {
namespace {

void add_run_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("run", "Run one BurstAttention configuration and measure it");
  auto flags = std::make_shared<RunFlags>();
  add_run_flags(*cmd, *flags);
  auto progress = std::make_shared<std::string>("auto");
  add_progress_flag(*cmd, *progress);
  cmd->callback([&ctx, flags, progress] {
    ctx.action = [&ctx, flags, progress] {
      RunEnvironment env = make_run_environment(*flags);
      tuner::TrialSpec spec = to_trial_spec(*flags, env);
      // A line per timed iteration on stderr once the run is long (docs/run.md "Progress").
      report_iterations(spec, line_progress_mode(*progress, ctx.global.quiet), env.is_root(),
                        "run: iteration");
      const tuner::TrialResult result = tuner::run_trial(spec, env.mpi_world.get());
      if (!env.is_root()) return 0;
      if (ctx.global.json) {
        fmt::print("{}\n", result_json(spec, result, env).dump(2));
      } else {
        print_result(spec, result, env);
      }
      return check_exit_code(result);
    };
  });
}

}  // namespace

BURST_CLI_COMMAND(20, add_run_command);

}  // namespace burst::cli
