// burst-tune export --db FILE [--trial ID] --format perfetto -o trace.json: Chrome trace JSON for
// Perfetto (layout in db/perfetto.hpp, docs/trace-schema.md): one process per rank, a track per
// thread and GPU stream, complete ("X") slices, flow arrows from each send to its receive. Without
// --trial, the last trial with a trace (as `show`); a trial without a trace is refused.
#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "db/database.hpp"
#include "db/perfetto.hpp"
#include "db/trace_reader.hpp"
#include "db/trial_list.hpp"

namespace burst::cli {
namespace {

struct ExportOptions {
  std::string db_path;
  std::optional<std::int64_t> trial;
  std::string format = "perfetto";
  std::string output;
};

constexpr const char* kHowToTrace = "run trace or tune without --no-trace";

// The trial to export: --trial when it has a trace, else the last traced trial. Refuses (before any
// output is written) an unknown trial, a trial without a trace and a database without one, naming
// the traced trials.
std::int64_t exported_trial(const ExportOptions& opt, const db::Database& db) {
  const std::vector<std::int64_t> traced = db::traced_trials(db);
  const std::string listed =
      traced.empty() ? std::string("none") : fmt::format("{}", fmt::join(traced, ", "));
  if (!opt.trial) {
    BURST_REQUIRE(!traced.empty(),
                  "database " + opt.db_path + " has no trial with a trace (" + kHowToTrace + ")");
    return traced.back();
  }
  const std::int64_t id = *opt.trial;
  const bool has_trace = std::find(traced.begin(), traced.end(), id) != traced.end();
  if (!has_trace) {
    const auto all = db::list_trials(db);
    BURST_REQUIRE(std::find(all.begin(), all.end(), id) != all.end(),
                  "database " + opt.db_path + " has no trial " + std::to_string(id) +
                      " (traced trials: " + listed + ")");
  }
  BURST_REQUIRE(has_trace,
                "trial " + std::to_string(id) + " of " + opt.db_path + " has no trace (" +
                    (traced.empty() ? std::string("no trial has one") : "traced trials: " + listed) + "; " +
                    kHowToTrace + ")");
  return id;
}

int run_export(const ExportOptions& opt, const Context& ctx) {
  BURST_REQUIRE(opt.format == "perfetto", "unknown export format '" + opt.format + "' (known: perfetto)");
  refuse_output_over_input("-o", opt.output, "--db", opt.db_path);  // before anything is read or written
  db::Database db(opt.db_path, db::OpenMode::read_only);
  const std::int64_t trial = exported_trial(opt, db);
  const auto stats = db::export_perfetto(db, trial, opt.output);
  if (!opt.trial && !ctx.global.quiet) fmt::print(stderr, "exported trial {} (the last traced)\n", trial);
  if (ctx.global.json) {
    const nlohmann::json j = {
        {"output", opt.output}, {"trial", trial}, {"slices", stats.slices}, {"flows", stats.flows}};
    fmt::print("{}\n", j.dump());
  } else if (!ctx.global.quiet) {
    fmt::print("wrote {} ({} slices, {} send->recv flows); open it in https://ui.perfetto.dev\n", opt.output,
               stats.slices, stats.flows);
  }
  return 0;
}

void add_export_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Export one trial's trace (Chrome trace JSON for Perfetto)");
  cmd->add_option("--db", opt->db_path, "Database file written by burst-tune")->required();
  cmd->add_option("--trial", opt->trial, "Trial id, one with a trace (default: the last trial with a trace)");
  cmd->add_option("--format", opt->format, "Output format")->check(CLI::IsMember({"perfetto"}));
  add_output_option(*cmd, opt->output, "Output file")->required();
  cmd->callback([opt, &ctx] { ctx.action = [opt, &ctx] { return run_export(*opt, ctx); }; });
}

}  // namespace
}  // namespace burst::cli

BURST_CLI_COMMAND(45, burst::cli::add_export_command);
