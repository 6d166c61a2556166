// burst-tune show --db FILE [--trial ID]: the trials in a database and, for one trial (the given
// one, else the last one with a trace), per-rank/per-phase time, exposed communication fraction,
// bytes sent per rank and link class, achieved rates and the kernel summary (db/summary.hpp has
// the definitions; docs/trace-schema.md derives them).
#include <fmt/core.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "base/text.hpp"
#include "burst/error.hpp"
#include "cli/command.hpp"
#include "db/database.hpp"
#include "db/summary.hpp"
#include "db/trial_list.hpp"

namespace burst::cli {
namespace {

struct ShowOptions {
  std::string db_path;
  std::optional<std::int64_t> trial;
};

nlohmann::json to_json(const db::TrialSummary& s) {
  nlohmann::json j = {{"trial", s.trial_id}, {"status", s.status}};
  for (const auto& p : s.phases) {
    j["phases"].push_back({{"rank", p.rank}, {"phase", p.phase}, {"count", p.count}, {"total_s", p.total_s}});
  }
  for (const auto& r : s.ranks) {
    j["ranks"].push_back({{"rank", r.rank},
                          {"pass_s", r.pass_s},
                          {"comm_s", r.comm_s},
                          {"exposed_s", r.exposed_s},
                          {"exposed_fraction", r.exposed_fraction},
                          {"late_peer_s", r.late_peer_s},
                          {"late_peer_fraction", r.late_peer_fraction},
                          {"not_overlapped_s", r.not_overlapped_s},
                          {"not_overlapped_fraction", r.not_overlapped_fraction},
                          {"bytes_sent", r.bytes_sent},
                          {"achieved_GBps", r.achieved_gbps},
                          {"link_GBps", r.link_gbps}});
  }
  for (const auto& l : s.links) {
    j["links"].push_back({{"rank", l.rank}, {"class", l.link_class}, {"sends", l.sends}, {"bytes", l.bytes}});
  }
  for (const auto& k : s.kernels) {
    j["kernels"].push_back({{"name", k.name}, {"count", k.count}, {"total_s", k.total_s}});
  }
  return j;
}

// The trial `show` describes: the one asked for, else the last with a trace (none: no summary).
std::optional<std::int64_t> shown_trial(const ShowOptions& opt, const std::vector<db::TrialListRow>& rows) {
  if (opt.trial) return opt.trial;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it)
    if (it->traced) return it->id;
  return std::nullopt;
}

void print_show_json(const ShowOptions& opt, const std::vector<db::TrialListRow>& rows,
                     const std::optional<db::TrialSummary>& summary) {
  nlohmann::json j = {{"database", opt.db_path}, {"trials", nlohmann::json::array()}};
  for (const auto& r : rows) {
    j["trials"].push_back({{"id", r.id},
                           {"status", r.status},
                           {"failure_reason", r.failure},
                           {"samples", r.samples},
                           {"median_s", r.median_s},
                           {"traced", r.traced},
                           {"config", nlohmann::json::parse(r.config, nullptr, false)}});
  }
  if (summary) {
    j["summary"] = to_json(*summary);
    for (const auto& r : rows)
      if (r.id == summary->trial_id) j["summary"]["median_s"] = r.median_s;  // the trial's time
  }
  fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Every database string is printed through text::printable: control characters ("\x1b[2J")
// and invalid bytes are escaped, never sent to the terminal.
void print_show_text(const ShowOptions& opt, const std::vector<db::TrialListRow>& rows,
                     const std::optional<db::TrialSummary>& summary) {
  if (!opt.trial) {
    fmt::print("{:>6}  {:<8} {:>8} {:>12}  {:<6} {}\n", "trial", "status", "samples", "time ms", "trace",
               "config / failure");
    for (const auto& r : rows) {
      fmt::print("{:>6}  {:<8} {:>8} {:>12.4f}  {:<6} {}\n", r.id, text::printable(r.status), r.samples,
                 r.median_s * 1e3, r.traced ? "yes" : "no",
                 text::printable(r.failure.empty() ? r.config : r.failure));
    }
    fmt::print("\n");
  }
  if (!summary) {
    fmt::print("no trial in {} has a trace\n", text::printable(opt.db_path));
    return;
  }
  // The trial's one time (db/trial_time.hpp); the tables below sum every traced iteration.
  for (const auto& r : rows) {
    if (r.id != summary->trial_id || r.median_s <= 0) continue;
    fmt::print(
        "trial {} time {:.4f} ms (median over the timed iterations of the slowest rank; the "
        "per-rank figures below add up all traced iterations)\n",
        r.id, r.median_s * 1e3);
  }
  fmt::print("{}", db::format_summary(*summary));
}

int run_show(const ShowOptions& opt, const Context& ctx) {
  db::Database db(opt.db_path, db::OpenMode::read_only);
  const auto rows = db::trial_list(db);
  std::optional<db::TrialSummary> summary;
  if (const auto chosen = shown_trial(opt, rows))
    summary = db::summarise(db::load_trial_trace(db, *chosen));  // InvalidArgument if unknown
  if (ctx.global.json) {
    print_show_json(opt, rows, summary);
  } else {
    print_show_text(opt, rows, summary);
  }
  return 0;
}

void add_show_command(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ShowOptions>();
  auto* cmd = app.add_subcommand("show",
                                 "Summarise a burst-tune database: trials, per-rank phase times, "
                                 "exposed communication, bytes per link class");
  cmd->add_option("--db", opt->db_path, "Database file written by burst-tune")->required();
  cmd->add_option("--trial", opt->trial, "Trial id (default: the last trial with a trace)");
  cmd->callback([opt, &ctx] { ctx.action = [opt, &ctx] { return run_show(*opt, ctx); }; });
}

}  // namespace
}  // namespace burst::cli

BURST_CLI_COMMAND(40, burst::cli::add_show_command);
