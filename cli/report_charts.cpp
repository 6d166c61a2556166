// Parameter, history and timeline plots of `burst-tune report` (see report_charts.hpp).
#include "cli/report_charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "burst/params.hpp"
#include "cli/svg_plot.hpp"

namespace burst::cli {

using svg::num;

const char* lane_colour(db::LaneKind kind) {
  switch (kind) {
    case db::LaneKind::compute:
      return ReportColours::compute;
    case db::LaneKind::send:
      return ReportColours::send;
    case db::LaneKind::recv:
      return ReportColours::recv;
    case db::LaneKind::wait:
      return ReportColours::wait;
    case db::LaneKind::late_peer:
      return ReportColours::late_peer;
    case db::LaneKind::not_overlapped:
      return ReportColours::exposed;
  }
  return "#000000";
}

// The unit comes from the parameter table; choice parameters say "choice".
std::string parameter_axis_title(const std::string& name) {
  const ParamDesc* p = find_param(name);
  const std::string unit = p == nullptr                   ? "value"
                           : p->type == ParamType::choice ? "choice"
                                                          : std::string(p->unit);
  return fmt::format("{} ({})", name, unit);
}

std::string parameter_plot(const db::WorkloadReport&, const db::ParameterEffect& p, const std::string& id) {
  // One level only: a brief rung's medians are not comparable with full measurements.
  const std::string title =
      fmt::format("best time by {}, level {} ({})", p.name, p.level, db::level_name(p.level));
  std::size_t longest = 0;
  for (const auto& v : p.values) longest = std::max(longest, v.value.size());
  const double band = std::max(64.0, 7.0 * static_cast<double>(longest) + 12.0);
  const double width = std::max({240.0, 70.0 + band * static_cast<double>(p.values.size()),
                                 58.0 + 12.0 + 8.0 * static_cast<double>(title.size())});
  svg::Plot plot(id, width, 230, title, svg::Margins{58, 12, 30, 44});
  std::vector<std::string> names;
  double hi = 0;
  for (const auto& v : p.values) {
    names.push_back(v.value);
    if (v.best_s) hi = std::max(hi, *v.best_s * 1e3);
  }
  plot.x_categories(names, parameter_axis_title(p.name));
  plot.y_linear(0, hi > 0 ? hi * 1.12 : 1, "best time (ms)");
  const double bw = std::min(44.0, plot.band_width() * 0.6);
  for (std::size_t i = 0; i < p.values.size(); ++i) {
    const auto& v = p.values[i];
    const double cx = plot.band_center(static_cast<int>(i));
    if (!v.best_s) {
      plot.add(fmt::format(
          "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#999\">{}</text>", num(cx),
          num(plot.bottom() - 6), v.measured_elsewhere ? "other level only" : "no ok run"));
      continue;
    }
    const double top = plot.y(*v.best_s * 1e3);
    plot.add(fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}={}: best "
        "{:.3f} ms over {} trial(s) at level {} ({})</title></rect>",
        num(cx - bw / 2), num(top), num(bw), num(std::max(0.5, plot.bottom() - top)),
        v.in_winner ? ReportColours::bar_winner : ReportColours::bar, svg::escape(p.name),
        svg::escape(v.value), *v.best_s * 1e3, v.trials, p.level, db::level_name(p.level)));
    plot.add(fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">{:.3g}</text>",
        num(cx), num(top - 4), *v.best_s * 1e3));
  }
  return plot.str();
}

namespace {

// A dashed line and a label "level N (name)" where each stretch of one level begins. Every stretch is
// labelled: a label that would overlap the previous one moves down a row.
void level_marks(const db::WorkloadReport& w, svg::Plot& plot) {
  int level = std::numeric_limits<int>::min();
  double last_end = -1e9;
  int row = 0;
  for (const auto& t : w.trials) {
    if (!t.measured || t.level == level) continue;
    const double lx = plot.x(t.order - 0.5);
    if (level != std::numeric_limits<int>::min()) {
      plot.add(fmt::format(
          "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
          num(lx), num(plot.top()), num(plot.bottom())));
    }
    const std::string label = fmt::format("level {} ({})", t.level, db::level_name(t.level));
    const double label_x = std::max(plot.left(), lx) + 3;
    row = label_x < last_end ? (row + 1) % 4 : 0;
    plot.add(
        fmt::format("<text class=\"level-label\" x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#777\">{}</text>",
                    num(label_x), num(plot.top() + 10 + 11 * row), label));
    last_end = std::max(row == 0 ? -1e9 : last_end, label_x + 5.6 * static_cast<double>(label.size()));
    level = t.level;
  }
}

// The best-so-far step line, one piece per stretch of one level (ReportTrial::best_so_far_s).
std::string best_so_far_path(const db::WorkloadReport& w, const svg::Plot& plot) {
  std::string path;
  int level = std::numeric_limits<int>::min();
  bool open = false;
  double last_x = 0;
  for (const auto& t : w.trials) {
    if (!t.measured) continue;
    if (t.level != level) {
      if (open) path += fmt::format(" H{}", num(plot.x(t.order - 0.5)));
      open = false;
      level = t.level;
    }
    if (!t.best_so_far_s) continue;
    const double x = plot.x(t.order), y = plot.y(*t.best_so_far_s * 1e3);
    path += open ? fmt::format(" H{} V{}", num(x), num(y)) : fmt::format(" M{} {}", num(x), num(y));
    open = true;
    last_x = x;
  }
  if (open) path += fmt::format(" H{}", num(std::max(last_x, plot.right())));
  return path;
}

}  // namespace

std::string history_plot(const db::WorkloadReport& w, const std::string& id) {
  svg::Plot plot(id, 520, 260, "tuning history", svg::Margins{58, 14, 48, 44});
  double lo = std::numeric_limits<double>::max(), hi = 0;
  int n = 0;
  for (const auto& t : w.trials) {
    if (!t.measured) continue;
    lo = std::min(lo, t.median_s * 1e3);
    hi = std::max(hi, t.median_s * 1e3);
    n = std::max(n, t.order + 1);
  }
  if (hi == 0) lo = 0, hi = 1;
  // x is the position in the run (config.order), not a trial id.
  plot.x_linear(0, std::max(1, n - 1), "evaluation order (0 = first evaluated)");
  plot.y_linear(std::max(0.0, lo - (hi - lo) * 0.1), hi + (hi - lo) * 0.1, "median time (ms)");
  plot.legend({{ReportColours::point_ok, "measured"},
               {ReportColours::point_stopped, "stopped early"},
               {ReportColours::best_line, "best so far at that level"}});
  level_marks(w, plot);
  if (const std::string path = best_so_far_path(w, plot); !path.empty()) {
    plot.add(
        fmt::format("<path class=\"best-so-far\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
                    path, ReportColours::best_line));
  }
  for (const auto& t : w.trials) {
    if (!t.measured) continue;
    const bool stopped = t.status != "ok";
    const bool winner = w.best_trial_id && t.id == *w.best_trial_id;
    const double cx = plot.x(t.order), cy = plot.y(t.median_s * 1e3);
    plot.add(fmt::format(
        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{}\"><title>trial {} "
        "({}, level {} {}): {:.3f} ms{}{}</title></circle>",
        num(cx), num(cy), winner ? 6 : 4, stopped ? ReportColours::point_stopped : ReportColours::point_ok,
        winner ? "#111" : "none", winner ? 2 : 0, t.id, t.status, t.level, db::level_name(t.level),
        t.median_s * 1e3, t.is_default ? ", default" : "", winner ? ", the winner" : ""));
    if (winner) {
      plot.add(fmt::format(
          "<text class=\"winner-label\" x=\"{}\" y=\"{}\" font-size=\"10\" font-weight=\"600\" fill=\"#111\" "
          "text-anchor=\"end\">winner</text>",
          num(cx - 8), num(cy + 14)));
    }
  }
  return plot.str();
}

std::string timeline_plot(const db::Timeline& t, const std::string& id) {
  constexpr double row = 12, gap = 14;
  constexpr int rows = db::lane_kind_count;
  const double lane_h = rows * row + gap;
  const double top = 50, bottom = 46;
  const double height = top + lane_h * static_cast<double>(t.ranks.size()) - gap + 8 + bottom;
  svg::Plot plot(id, 1000, height, fmt::format("best trial {}: first call, one lane per rank", t.trial_id),
                 svg::Margins{150, 16, top, bottom});
  const double span_ns = static_cast<double>(std::max<std::int64_t>(1, t.end_ns - t.start_ns));
  const bool micro = span_ns < 2e6;
  const double scale = micro ? 1e-3 : 1e-6;  // ns -> us or ms
  plot.x_linear(0, span_ns * scale,
                micro ? "time since the call started (µs)" : "time since the call started (ms)");
  std::vector<std::pair<double, std::string>> labels;
  std::vector<std::pair<std::string, std::string>> legend;
  for (int k = 0; k < rows; ++k) {
    const auto kind = static_cast<db::LaneKind>(k);
    legend.emplace_back(lane_colour(kind), kind == db::LaneKind::late_peer ? "waiting for a late peer"
                                           : kind == db::LaneKind::not_overlapped
                                               ? "communication not overlapped"
                                               : db::lane_kind_name(kind));
  }
  plot.legend(legend);
  for (std::size_t r = 0; r < t.ranks.size(); ++r) {
    const auto& lane = t.ranks[r];
    const double y0 = top + 4 + lane_h * static_cast<double>(r);
    plot.add(fmt::format(
        "<text x=\"30\" y=\"{}\" font-size=\"12\" font-weight=\"600\" fill=\"#222\">rank {}</text>",
        num(y0 + 2.5 * row), lane.rank));
    for (int k = 0; k < rows; ++k) {
      const double ry = y0 + k * row;
      labels.emplace_back(ry + row / 2 - 1, db::lane_kind_name(static_cast<db::LaneKind>(k)));
      plot.add(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\"/>",
                           num(plot.left() + 1), num(ry), num(plot.right() - plot.left() - 1), num(row - 2)));
      for (auto [a, b] : lane.spans[k]) {
        const double x1 = plot.x(static_cast<double>(a) * scale), x2 = plot.x(static_cast<double>(b) * scale);
        plot.add(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", num(x1),
                             num(ry), num(std::max(0.4, x2 - x1)), num(row - 2),
                             lane_colour(static_cast<db::LaneKind>(k))));
      }
    }
  }
  plot.y_rows(labels, "rank and range kind (lane)");
  return plot.str();
}

}  // namespace burst::cli
