// burst-tune trace <run flags> --db FILE: runs one configuration like `burst-tune run` with the
// burst trace ranges recorded (every timed iteration, every rank) and writes, on rank 0, one
// session, one trial (config, samples, stats) and its trace into the database FILE
// (docs/trace-schema.md). Under mpirun every rank traces itself and rank 0 gathers.
#include <fmt/core.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burst/error.hpp"
#include "burst/system.hpp"
#include "cli/command.hpp"
#include "cli/process_text.hpp"
#include "cli/progress.hpp"
#include "cli/run_flags.hpp"
#include "db/database.hpp"
#include "db/trial_time.hpp"

namespace burst::cli {
namespace {

struct TraceOptions {
  std::string db_path;
  std::string progress = "auto";
};

std::size_t event_count(const std::vector<trace::RankTrace>& ranks) {
  std::size_t n = 0;
  for (const auto& r : ranks) n += r.events.size();
  return n;
}

int run_trace(const RunFlags& flags, const TraceOptions& opt, const Context& ctx) {
  RunEnvironment env = make_run_environment(flags);
  tuner::TrialSpec spec = to_trial_spec(flags, env);
  spec.trace = true;
  // A line per timed iteration on stderr once the run is long (docs/run.md "Progress").
  report_iterations(spec, line_progress_mode(opt.progress, ctx.global.quiet), env.is_root(),
                    "trace: iteration");
  // Collective under MPI: every rank calls it.
  const SystemInfo system = detect_system(env.mpi_world.get());

  std::optional<db::Database> database;
  std::int64_t session_id = 0, trial_id = 0;
  if (env.is_root()) {
    BURST_REQUIRE(!opt.db_path.empty(), "--db: a file name is required");
    const auto parent = std::filesystem::path(opt.db_path).parent_path();
    BURST_REQUIRE(parent.empty() || std::filesystem::is_directory(parent),
                  "--db " + opt.db_path + ": directory " + parent.string() + " does not exist");
    database.emplace(opt.db_path, /*create_if_missing=*/true);  // InvalidArgument on a bad file
    session_id =
        database->begin_session(process_command_line("burst-tune trace"), system.fingerprint.to_json());
    tuner::TrialResult planned;
    planned.world = env.mpi_world ? env.mpi_world->size() : spec.world;
    planned.comm_backend = env.mpi_world ? std::string(env.mpi_world->backend()) : "local";
    nlohmann::json config = result_json(spec, planned, env);
    config.erase("forward");
    config.erase("backward");
    trial_id = database->begin_trial(session_id, config.dump());
  }

  tuner::TrialResult result;
  try {
    result = tuner::run_trial(spec, env.mpi_world.get());
  } catch (const std::exception& e) {
    if (database) database->finish_trial(trial_id, "failed", e.what(), "{}");
    throw;
  }
  if (!env.is_root()) return 0;

  nlohmann::json stats = result_json(spec, result, env);
  // The trial's one time (db/trial_time.hpp), stored as a tuning trial stores it: show and report
  // print this same figure.
  const db::TrialTime time = db::trial_time_from_stats(stats.dump());
  stats["median_s"] = time.median_s;
  stats["noise"] = time.noise;
  stats["samples"] = time.iterations;
  for (std::size_t rank = 0; rank < result.rank_samples.size(); ++rank)
    database->add_samples(trial_id, static_cast<int>(rank), result.rank_samples[rank]);
  database->write_trace(trial_id, result.traces);
  database->finish_trial(trial_id, "ok", "", stats.dump());
  const std::size_t events = event_count(result.traces);

  if (ctx.global.json) {
    nlohmann::json j = stats;
    j["db"] = opt.db_path;
    j["session_id"] = session_id;
    j["trial_id"] = trial_id;
    j["events"] = events;
    fmt::print("{}\n", j.dump(2));
  } else {
    print_result(spec, result, env);
    fmt::print(
        "trial     {:.4f} ms: median over {} timed iterations of the slowest rank's {} (noise {:.1f}%)\n",
        time.median_s * 1e3, time.iterations, spec.pass == Pass::fwd_bwd ? "forward + backward" : "pass",
        time.noise * 100);
    fmt::print("trace: session {} trial {} written to {} ({} events)\n", session_id, trial_id, opt.db_path,
               events);
  }
  return check_exit_code(result);
}

void add_trace_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("trace", "Run one configuration with tracing and write the trace to a database");
  auto flags = std::make_shared<RunFlags>();
  auto opt = std::make_shared<TraceOptions>();
  add_run_flags(*cmd, *flags);
  cmd->add_option("--db", opt->db_path, "Database file to write (created when missing)")->required();
  add_progress_flag(*cmd, opt->progress);
  cmd->callback(
      [&ctx, flags, opt] { ctx.action = [&ctx, flags, opt] { return run_trace(*flags, *opt, ctx); }; });
}

}  // namespace

BURST_CLI_COMMAND(30, add_trace_command);

}  // namespace burst::cli
