// Text and JSON forms of `burst-tune report` (see report_text.hpp).
#include "cli/report_text.hpp"

#include <fmt/format.h>

#include "base/text.hpp"
#include "cli/report_summary.hpp"

namespace burst::cli {

namespace {

using nlohmann::json;

std::string counts_text(const db::WorkloadReport& w) {
  std::string s =
      fmt::format("{} ok, {} failed, {} pruned, {} stopped early", w.ok, w.failed, w.pruned, w.stopped_early);
  if (w.other) s += fmt::format(", {} other", w.other);
  return s;
}

std::string trial_row(const char* name, const db::ReportTrial* t) {
  if (!t) return fmt::format("    {:<9} {:>10} {:>10} {:>8} {:>7}\n", name, "-", "-", "-", "-");
  return fmt::format("    {:<9} {:>10.4f} {:>10.4g} {:>7.1f}% {:>7}\n", name, t->median_s * 1e3, t->tflops,
                     t->noise * 100, t->id);
}

json trial_json(const db::WorkloadReport& w, const db::ReportTrial* t) {
  if (!t) return nullptr;
  json params = json::object();
  for (const auto& [k, v] : t->params) params[k] = v;
  return {{"trial_id", t->id},   {"median_s", t->median_s},
          {"noise", t->noise},   {"tflops", t->tflops},
          {"level", t->level},   {"level_name", db::level_name(t->level)},
          {"candidate", params}, {"changes", candidate_text(w, *t)}};
}

// "  by value  ring.overlap at level 2 (confirmation): none 2.0000 ms*, chunk_pipeline -": the best
// median per value at the parameter's comparison level; * marks the winner's value.
std::string parameter_text(const db::ParameterEffect& p) {
  std::string s = fmt::format("  by value  {} at level {} ({}):", p.name, p.level, db::level_name(p.level));
  for (const auto& v : p.values) {
    s += fmt::format(" {} {}{}", v.value, v.best_s ? fmt::format("{:.4f} ms", *v.best_s * 1e3) : "-",
                     v.in_winner ? "*" : "");
  }
  return s + "\n";
}

// One workload of the text report: trial counts, winner and default, speedup, exposure, and the
// first failed, stopped and pruned candidates.
std::string workload_text(const db::Report& r, const db::WorkloadReport& w) {
  std::string out = fmt::format("\nworkload  {}\n", w.label);
  out += fmt::format("  trials  {}\n", counts_text(w));
  out += fmt::format("    {:<9} {:>10} {:>10} {:>8} {:>7}\n", "", "median ms", "TFLOP/s", "noise", "trial");
  out += trial_row(r.tuning ? "winner" : "trial", w.best());
  if (r.tuning) {
    out += trial_row("default", w.default_trial());
    if (w.speedup > 0) {
      out += fmt::format("  speedup {:.2f}x over the default{}\n", w.speedup,
                         w.speedup <= 1.0 + comparison_noise(w) ? " (within noise: keep the default)" : "");
    }
    if (w.best()) {
      const auto changes = winner_changes(w);
      out += fmt::format("  winner  {}\n", changes.empty() ? std::string("the default configuration")
                                                           : changes_text(changes) + " (others as default)");
    }
    if (!w.verdict.empty()) out += fmt::format("  verdict {}\n", w.verdict);
  }
  for (const auto& p : w.parameters) out += parameter_text(p);
  if (w.timeline) {
    const auto& t = *w.timeline;
    out += fmt::format("  communication {}: trial {}, every rank (% of its pass time):\n",
                       exposure_verdict(t.not_overlapped_fraction), t.trial_id);
    // pass ms: the rank's pass ranges over every traced iteration (a trace span, not the trial time).
    out += fmt::format("    {:>4} {:>20} {:>15} {:>10}\n", "rank", "pass ms (all iters)", "not overlapped",
                       "late peer");
    for (const auto& l : t.ranks) {
      out += fmt::format("    {:>4} {:>20.4f} {:>14.1f}% {:>9.1f}%\n", l.rank, l.pass_s * 1e3,
                         l.not_overlapped_fraction * 100, l.late_peer_fraction * 100);
    }
  } else {
    out += "  communication: the best trial has no trace\n";
  }
  int listed = 0;
  for (const auto& t : w.trials) {
    if ((t.status == "failed" || t.status == "stopped_early") && listed++ < 5) {
      out +=
          fmt::format("  {:<7} trial {} ({}): {}\n", t.status == "failed" ? "failed" : "stopped", t.id,
                      candidate_text(w, t), t.reason.empty() ? "far slower than the best so far" : t.reason);
    }
  }
  for (std::size_t i = 0; i < w.pruned_reasons.size() && i < 3; ++i) {
    out += fmt::format("  pruned  {} x {}\n", w.pruned_reasons[i].candidates, w.pruned_reasons[i].reason);
  }
  if (w.pruned_reasons.size() > 3)
    out += fmt::format("  pruned  ... {} more reasons\n", w.pruned_reasons.size() - 3);
  return out;
}

}  // namespace

std::string format_report_text(const db::Report& r) {
  std::string out =
      fmt::format("report of {} session {}{}{}\n", r.db_path, r.session_id,
                  r.tuning ? fmt::format(" (tuning, strategy {})", r.strategy.empty() ? "?" : r.strategy)
                           : " (not a tuning session)",
                  r.start_utc.empty() ? "" : ", started " + r.start_utc);
  out += fmt::format("hardware  {}, backend {}, host {}\n\n", r.hardware, r.backend, r.hostname);
  out += report_headline(r) + "\n";
  for (const auto& w : r.workloads) out += workload_text(r, w);
  // Database strings (host, hardware, labels, failure reasons) may hold control characters:
  // escaped, so the report cannot drive the terminal ("\x1b[2J" prints as text).
  return text::printable(out, /*keep_newlines=*/true);
}

json report_json(const db::Report& r) {
  json j = {{"database", r.db_path}, {"session_id", r.session_id},    {"tuning", r.tuning},
            {"job_ids", r.job_ids},  {"strategy", r.strategy},        {"hardware", r.hardware},
            {"backend", r.backend},  {"hostname", r.hostname},        {"start_utc", r.start_utc},
            {"command", r.command},  {"headline", report_headline(r)}};
  j["fingerprint"] = json::parse(r.fingerprint_json, nullptr, false);
  if (j["fingerprint"].is_discarded()) j["fingerprint"] = nullptr;
  j["workloads"] = json::array();
  for (const auto& w : r.workloads) {
    json wj = {{"label", w.label},     {"flops", w.flops},
               {"speedup", w.speedup}, {"tie_with_default", w.tie_with_default},
               {"verdict", w.verdict}, {"noise", comparison_noise(w)}};
    wj["workload"] = json::parse(w.workload_json, nullptr, false);
    wj["best"] = trial_json(w, w.best());
    wj["default"] = trial_json(w, w.default_trial());
    wj["trials"] = {{"ok", w.ok},
                    {"failed", w.failed},
                    {"pruned", w.pruned},
                    {"stopped_early", w.stopped_early},
                    {"other", w.other}};
    wj["parameters"] = json::array();
    for (const auto& p : w.parameters) {
      json values = json::array();
      for (const auto& v : p.values) {
        values.push_back({{"value", v.value},
                          {"trials", v.trials},
                          {"in_winner", v.in_winner},
                          {"measured_at_other_levels", v.measured_elsewhere},
                          {"best_median_s", v.best_s ? json(*v.best_s) : json(nullptr)}});
      }
      wj["parameters"].push_back({{"name", p.name},
                                  {"level", p.level},
                                  {"level_name", db::level_name(p.level)},
                                  {"values", values}});
    }
    wj["fixed"] = json::object();
    for (const auto& [k, v] : w.fixed) wj["fixed"][k] = v;
    wj["history"] = json::array();
    wj["failures"] = json::array();
    for (const auto& t : w.trials) {
      wj["history"].push_back({{"trial_id", t.id},
                               {"order", t.order},
                               {"level", t.level},
                               {"level_name", db::level_name(t.level)},
                               {"status", t.status},
                               {"is_default", t.is_default},
                               {"is_winner", w.best_trial_id && t.id == *w.best_trial_id},
                               {"median_s", t.measured ? json(t.median_s) : json(nullptr)},
                               {"best_so_far_s", t.best_so_far_s ? json(*t.best_so_far_s) : json(nullptr)}});
      if (t.status != "ok" && t.status != "pruned") {
        wj["failures"].push_back({{"trial_id", t.id},
                                  {"status", t.status},
                                  {"candidate", candidate_text(w, t)},
                                  {"key", t.key},
                                  {"reason", t.reason}});
      }
    }
    wj["pruned"] = json::array();
    for (const auto& p : w.pruned_reasons) {
      wj["pruned"].push_back(
          {{"reason", p.reason}, {"candidates", p.candidates}, {"example_trial_id", p.example_trial}});
    }
    if (w.timeline) {
      const auto& t = *w.timeline;
      json ranks = json::array();
      for (const auto& l : t.ranks) {
        ranks.push_back({{"rank", l.rank},
                         {"pass_s", l.pass_s},
                         {"comm_s", l.comm_s},
                         {"exposed_s", l.exposed_s},
                         {"exposed_fraction", l.exposed_fraction},
                         {"late_peer_s", l.late_peer_s},
                         {"late_peer_fraction", l.late_peer_fraction},
                         {"not_overlapped_s", l.not_overlapped_s},
                         {"not_overlapped_fraction", l.not_overlapped_fraction}});
      }
      wj["exposed_communication"] = {{"trial_id", t.trial_id},
                                     {"not_overlapped_fraction", t.not_overlapped_fraction},
                                     {"not_overlapped_rank", t.not_overlapped_rank},
                                     {"late_peer_fraction", t.late_peer_fraction},
                                     {"late_peer_rank", t.late_peer_rank},
                                     {"verdict", exposure_verdict(t.not_overlapped_fraction)},
                                     {"ranks", ranks}};
    } else {
      wj["exposed_communication"] = nullptr;
    }
    j["workloads"].push_back(std::move(wj));
  }
  return j;
}

}  // namespace burst::cli
