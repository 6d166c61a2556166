// burst-tune export --db FILE --trial ID --format perfetto -o trace.json: Chrome trace JSON for
// Perfetto (layout in db/perfetto.hpp): one process per rank, a track per thread and GPU stream,
// flow arrows from each send to its receive.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "cli/command.hpp"
#include "db/database.hpp"
#include "db/perfetto.hpp"

namespace burst::cli {
namespace {

struct ExportOptions {
  std::string db_path;
  std::int64_t trial = 0;
  std::string format = "perfetto";
  std::string output;
};

int run_export(const ExportOptions& opt, const Context& ctx) {
  BURST_REQUIRE(opt.format == "perfetto", "unknown export format '" + opt.format + "' (known: perfetto)");
  refuse_output_over_input("-o", opt.output, "--db", opt.db_path);  // before anything is read or written
  db::Database db(opt.db_path, db::OpenMode::read_only);
  const auto stats = db::export_perfetto(db, opt.trial, opt.output);
  if (ctx.global.json) {
    const nlohmann::json j = {{"output", opt.output}, {"slices", stats.slices}, {"flows", stats.flows}};
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
  cmd->add_option("--trial", opt->trial, "Trial id (see burst-tune show)")->required();
  cmd->add_option("--format", opt->format, "Output format")->check(CLI::IsMember({"perfetto"}));
  cmd->add_option("-o,--output", opt->output, "Output file")->required();
  cmd->callback([opt, &ctx] { ctx.action = [opt, &ctx] { return run_export(*opt, ctx); }; });
}

}  // namespace
}  // namespace burst::cli

BURST_CLI_COMMAND(45, burst::cli::add_export_command);
