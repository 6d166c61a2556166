// burst-tune report --db FILE [--session ID] [-o report.html] [--json]: what a tuning session found
// (or, for a `trace` session, its one trial): winner vs default, parameter effects, history, the
// best trial's timeline and exposed communication, failures. Text by default, one self-contained
// HTML page with -o, the numbers with --json. Definitions: docs/report.md.
#include <fmt/core.h>

#include <optional>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "cli/report_html.hpp"
#include "cli/report_summary.hpp"
#include "cli/report_text.hpp"
#include "db/database.hpp"
#include "db/report_data.hpp"

namespace burst::cli {
namespace {

struct ReportOptions {
  std::string db_path;
  std::optional<std::int64_t> session;
  std::string output;
};

int run_report(const ReportOptions& opt, const Context& ctx) {
  refuse_output_over_input("-o", opt.output, "--db", opt.db_path);  // before anything is read or written
  db::Database db(opt.db_path, db::OpenMode::read_only);            // InvalidArgument: missing / not ours
  const db::Report report = db::load_report(db, opt.session);
  // A new file replaces the old one whole (a kill leaves the previous report, never a partial one).
  if (!opt.output.empty()) write_file_atomically(opt.output, render_report_html(report));
  if (ctx.global.json) {
    auto j = report_json(report);
    if (!opt.output.empty()) j["output"] = opt.output;
    fmt::print("{}\n", j.dump(2));
  } else if (!opt.output.empty()) {
    if (!ctx.global.quiet) {
      fmt::print("{}\nwrote {} (session {}, {} workload{})\n", report_headline(report), opt.output,
                 report.session_id, report.workloads.size(), report.workloads.size() == 1 ? "" : "s");
    }
  } else {
    fmt::print("{}", format_report_text(report));
  }
  return 0;
}

void add_report_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand("report",
                                 "Report a tuning session: winner vs default, parameter effects, history, "
                                 "the best trial's timeline, failures (text, --json, or -o report.html)");
  cmd->add_option("--db", opt->db_path, "Database file written by burst-tune tune or trace")->required();
  cmd->add_option("--session", opt->session, "Session id (default: the latest session with tuning trials)");
  add_output_option(*cmd, opt->output, "Write a self-contained HTML report to this file");
  cmd->callback([opt, &ctx] { ctx.action = [opt, &ctx] { return run_report(*opt, ctx); }; });
}

}  // namespace
}  // namespace burst::cli

BURST_CLI_COMMAND(50, burst::cli::add_report_command);
