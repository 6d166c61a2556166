// The HTML page of `burst-tune report` (layout in report_html.hpp; plots in report_charts.cpp).
#include "cli/report_html.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/report_charts.hpp"
#include "cli/report_summary.hpp"
#include "cli/svg_plot.hpp"

namespace burst::cli {

namespace {

using svg::escape;

constexpr const char* style = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d232b;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 1.45; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; }
header { background: #ffffff; border: 1px solid #e1e4e8; border-radius: 10px; padding: 20px 24px; margin-bottom: 18px; }
.kicker { font-size: 12px; letter-spacing: 0.08em; text-transform: uppercase; color: #6a737d; }
.headline { font-size: 21px; font-weight: 600; margin: 6px 0 10px; line-height: 1.35; }
.subhead { font-size: 16px; margin: 0 0 10px; color: #24292e; }
.hardware { font-size: 13px; margin: 0 0 8px; color: #24292e; }
.hardware span { display: inline-block; margin: 2px 14px 2px 0; }
.hardware b { color: #586069; font-weight: 600; }
.meta { color: #586069; font-size: 12.5px; margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; background: #f1f3f5;
  padding: 1px 4px; border-radius: 4px; word-break: break-all; }
section { background: #ffffff; border: 1px solid #e1e4e8; border-radius: 10px; padding: 16px 24px 20px; margin-bottom: 18px; }
h2 { font-size: 17px; margin: 4px 0 12px; }
h3 { font-size: 14px; margin: 20px 0 8px; color: #24292e; }
p.note { color: #586069; margin: 6px 0; }
table { border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #eef0f2; vertical-align: top; }
th { color: #586069; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 14px; }
.card { flex: 1 1 180px; border: 1px solid #e1e4e8; border-radius: 8px; padding: 10px 14px; background: #fbfcfd; }
.card .label { font-size: 12px; color: #6a737d; }
.card .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .sub { font-size: 12px; color: #586069; }
.good { color: #1a7f37; } .bad { color: #b3261e; } .neutral { color: #57606a; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; }
svg.plot { display: block; border: 1px solid #eef0f2; border-radius: 6px; max-width: 100%; height: auto;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
footer { color: #6a737d; font-size: 12px; text-align: center; }
)css";

std::string ms(double s) {
  return fmt::format("{:.3f}", s * 1e3);
}
std::string duration(double s) {
  if (s >= 1) return fmt::format("{:.3g} s", s);
  if (s >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
  return fmt::format("{:.3g} µs", s * 1e6);
}
std::string pct(double f) {
  return fmt::format("{:.1f}%", f * 100);
}

std::string card(const std::string& label, const std::string& value, const std::string& sub,
                 const char* cls = "") {
  return fmt::format(
      "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value {}\">{}</div><div "
      "class=\"sub\">{}</div></div>",
      escape(label), cls, escape(value), escape(sub));
}

std::string hardware_line(const db::Report& r) {  // the fingerprint, field by field
  std::string s = fmt::format("<span><b>hardware</b> {}</span>", escape(r.hardware));
  const auto fp = nlohmann::json::parse(r.fingerprint_json, nullptr, false);
  if (fp.is_object()) {
    for (const auto& [k, v] : fp.items()) {
      if (v.is_null() || (v.is_string() && v.get<std::string>().empty()) || (v.is_array() && v.empty()))
        continue;
      s += fmt::format("<span><b>{}</b> {}</span>", escape(k),
                       escape(v.is_string() ? v.get<std::string>() : v.dump()));
    }
  }
  return s;
}

std::string compare_table(const db::Report& r, const db::WorkloadReport& w) {
  std::string s =
      "<table class=\"compare\"><thead><tr><th></th><th class=\"num\">median (ms)</th><th "
      "class=\"num\">TFLOP/s</th>"
      "<th class=\"num\">noise</th><th class=\"num\">speedup</th><th "
      "class=\"num\">trial</th><th>configuration (vs default)</th></tr></thead><tbody>";
  auto row = [&](const char* name, const db::ReportTrial* t, double speedup) {
    if (!t)
      return fmt::format(
          "<tr><th>{}</th><td class=\"num\">-</td><td class=\"num\">-</td><td class=\"num\">-</td>"
          "<td class=\"num\">-</td><td class=\"num\">-</td><td>not measured</td></tr>",
          name);
    return fmt::format(
        "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{:.4g}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td><code title=\"{}\">{}</code></td></tr>",
        name, ms(t->median_s), t->tflops, pct(t->noise), speedup > 0 ? fmt::format("{:.2f}x", speedup) : "",
        t->id, escape(t->key), escape(t->key.empty() ? "the traced configuration" : candidate_text(w, *t)));
  };
  s += row(r.tuning ? "winner" : "trial", w.best(), r.tuning ? w.speedup : 0);
  if (r.tuning) s += row("default", w.default_trial(), w.default_trial() ? 1.0 : 0);
  return s + "</tbody></table>";
}

std::string failures_table(const db::WorkloadReport& w) {
  constexpr int max_rows = 60;
  std::string rows;
  int shown = 0, hidden = 0;
  for (const auto& t : w.trials) {
    if (t.status == "ok" || t.status == "pruned") continue;
    if (shown == max_rows) {
      ++hidden;
      continue;
    }
    ++shown;
    std::string reason = t.reason;
    if (reason.empty() && t.status == "stopped_early") reason = "far slower than the best so far";
    rows += fmt::format("<tr><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                        t.id, escape(t.status), escape(candidate_text(w, t)), escape(reason));
  }
  for (const auto& p : w.pruned_reasons) {
    const auto* example = w.trial(p.example_trial);
    rows += fmt::format(
        "<tr><td class=\"num\">{}</td><td>pruned x{}</td><td><code>{}</code>{}</td><td>{}</td></tr>",
        p.example_trial, p.candidates, escape(example ? candidate_text(w, *example) : ""),
        p.candidates > 1 ? " <span class=\"neutral\">(first of them)</span>" : "", escape(p.reason));
  }
  if (rows.empty())
    return "<p class=\"note\">Every candidate ran: none failed, was pruned or stopped early.</p>";
  std::string s =
      "<table class=\"failures\"><thead><tr><th class=\"num\">trial</th><th>status</th><th>candidate (vs "
      "default)</th>"
      "<th>reason</th></tr></thead><tbody>" +
      rows + "</tbody></table>";
  if (hidden)
    s += fmt::format("<p class=\"note\">... and {} more (burst-tune --json report lists them all).</p>",
                     hidden);
  return s;
}

// Every rank's communication figures over the whole trial (docs/report.md).
std::string rank_table(const db::Timeline& t) {
  std::string s =
      "<table class=\"ranks\"><thead><tr><th class=\"num\">rank</th><th class=\"num\">pass time (all "
      "iterations)</th>"
      "<th class=\"num\">communication</th><th class=\"num\">not overlapped</th><th class=\"num\">waiting "
      "for a late peer</th></tr></thead><tbody>";
  for (const auto& l : t.ranks) {
    s += fmt::format(
        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{} ({})</td><td class=\"num\">{} ({})</td></tr>",
        l.rank, duration(l.pass_s), duration(l.comm_s), pct(l.not_overlapped_fraction),
        duration(l.not_overlapped_s), pct(l.late_peer_fraction), duration(l.late_peer_s));
  }
  return s + "</tbody></table>";
}

// The summary cards at the top of a workload: speedup, winner median, exposure, trial counts.
std::string workload_cards(const db::Report& r, const db::WorkloadReport& w) {
  const auto* best = w.best();
  const double noise = comparison_noise(w);
  std::string s = "<div class=\"cards\">";
  if (r.tuning) {
    const bool real = w.speedup > 1.0 + noise;
    s += card("speedup over default", w.speedup > 0 ? fmt::format("{:.2f}x", w.speedup) : "-",
              w.speedup > 0 ? (real ? fmt::format("beyond noise ({})", pct(noise))
                                    : fmt::format("within noise ({})", pct(noise)))
                            : "no default measured",
              real ? "good" : "neutral");
  }
  if (best) {
    s += card(r.tuning ? "winner median" : "median", ms(best->median_s) + " ms",
              fmt::format("{:.4g} TFLOP/s", best->tflops));
  }
  if (w.timeline) {
    const auto& t = *w.timeline;
    const double f = t.not_overlapped_fraction;
    s += card("communication not overlapped", pct(f),
              fmt::format("{}: at most, on rank {}", exposure_verdict(f), t.not_overlapped_rank),
              f < 0.10 ? "good" : (f < 0.30 ? "neutral" : "bad"));
    s += card("waiting for a late peer", pct(t.late_peer_fraction),
              fmt::format("load imbalance: at most, on rank {}", t.late_peer_rank), "neutral");
  }
  s +=
      card("trials", fmt::format("{}", w.trials.size()),
           fmt::format("{} ok, {} failed, {} pruned, {} stopped", w.ok, w.failed, w.pruned, w.stopped_early));
  return s + "</div>";
}

// "How the time depends on each parameter": one plot per tuned parameter, then the fixed ones.
std::string parameters_section(const db::Report& r, const db::WorkloadReport& w, std::size_t i) {
  std::string s = "<h3>How the time depends on each parameter</h3>";
  if (!r.tuning) {
    s += "<p class=\"note\">Not a tuning session: this session ran one configuration (<code>burst-tune "
         "trace</code>).</p>";
  } else if (w.parameters.empty()) {
    s += "<p class=\"note\">No parameter took more than one value.</p>";
  } else {
    s += "<p class=\"note\">Bar height: the best median reached by a measured trial with that value, among "
         "the trials of one measurement level (named in each title: the highest level at which two or more "
         "values were measured; a brief rung's medians are never compared with full measurements); dark "
         "bar: the winner's value.</p><div class=\"grid\">";
    for (std::size_t p = 0; p < w.parameters.size(); ++p)
      s += parameter_plot(w, w.parameters[p], fmt::format("param-{}-{}", i, p));
    s += "</div>";
  }
  if (!w.fixed.empty()) {
    std::string fixed;
    for (const auto& [k, v] : w.fixed) fixed += (fixed.empty() ? "" : ", ") + k + "=" + v;
    s += fmt::format("<p class=\"note\">Held fixed: <code>{}</code></p>", escape(fixed));
  }
  return s;
}

// "Tuning history" and "Best trial's timeline".
std::string history_and_timeline(const db::Report& r, const db::WorkloadReport& w, std::size_t i) {
  std::string s = "<h3>Tuning history</h3>";
  if (r.tuning) {
    s += "<p class=\"note\">Each measured trial's median in the order the strategy evaluated them (x: "
         "evaluation order, not trial id); circled: the winner. Dashed lines separate measurement levels "
         "(level 0 brief: halving's short rungs; level 1 full; level 2 confirmation: the default and the "
         "best few measured again, where the winner is chosen). The best-so-far line restarts at each "
         "level, so it compares like with like.</p>";
    s += history_plot(w, fmt::format("history-{}", i));
  } else
    s += "<p class=\"note\">Not a tuning session: one trial, no history.</p>";

  s += "<h3>Best trial's timeline</h3>";
  if (w.timeline) {
    const auto& t = *w.timeline;
    s += "<p class=\"note\">Communication during which a rank computes nothing splits in two: "
         "<b>waiting for a late peer</b> (the peer had not sent the data yet: it was still computing, load "
         "imbalance) and <b>communication not overlapped</b> (the data was in flight). Every rank, over "
         "the whole trial:</p>";
    s += rank_table(t);
    s += timeline_plot(t, fmt::format("timeline-{}", i));
  } else {
    s += "<p class=\"note\">The best trial has no trace in this database.</p>";
  }
  return s;
}

std::string workload_section(const db::Report& r, const db::WorkloadReport& w, std::size_t i) {
  std::string s =
      fmt::format("<section class=\"workload\" id=\"workload-{}\"><h2>Workload: {}</h2>", i, escape(w.label));
  const auto* best = w.best();
  s += workload_cards(r, w);
  s += compare_table(r, w);
  if (r.tuning && best) {
    const auto changes = winner_changes(w);
    s += fmt::format("<p class=\"note\">The winner {}.</p>",
                     changes.empty()
                         ? std::string("is the default configuration")
                         : "changes <code>" + escape(changes_text(changes)) + "</code> from the default");
  }
  if (!w.verdict.empty()) s += fmt::format("<p class=\"note\">Tuner's verdict: {}</p>", escape(w.verdict));

  s += parameters_section(r, w, i);
  s += history_and_timeline(r, w, i);

  s += "<h3>Failed, pruned and stopped candidates</h3>";
  s += r.tuning ? failures_table(w) : "<p class=\"note\">Not a tuning session.</p>";
  return s + "</section>";
}

}  // namespace

std::string render_report_html(const db::Report& r) {
  std::string s =
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta "
      "charset=\"utf-8\"/>"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>";
  s += fmt::format("<title>burst-tune report: session {}</title><style>{}</style></head><body><main>",
                   r.session_id, style);
  s += fmt::format("<header><div class=\"kicker\">burst-tune report{}</div><p class=\"headline\">{}</p>",
                   r.tuning ? "" : " (not a tuning session)", escape(headline_result(r)));
  if (const auto exposure = headline_exposure(r); !exposure.empty()) {
    s += fmt::format("<p class=\"subhead\">{}</p>", escape(exposure));
  }
  s += fmt::format("<p class=\"hardware\">{}</p>", hardware_line(r));
  s += fmt::format(
      "<p class=\"meta\">database <code>{}</code>, session {}{}{}{} &#183; command "
      "<code>{}</code></p></header>",
      escape(r.db_path), r.session_id, r.tuning ? ", strategy " + escape(r.strategy) : "",
      r.start_utc.empty() ? "" : ", started " + escape(r.start_utc),
      r.hostname.empty() ? "" : " on " + escape(r.hostname), escape(r.command));
  for (std::size_t i = 0; i < r.workloads.size(); ++i) s += workload_section(r, r.workloads[i], i);
  s += "<footer>Generated by burst-tune report. Medians are critical-path times (slowest rank per sample); "
       "noise = "
       "stdev / median; TFLOP/s = attention FLOPs / median; definitions in "
       "docs/report.md.</footer></main></body></html>\n";
  return s;
}

}  // namespace burst::cli
