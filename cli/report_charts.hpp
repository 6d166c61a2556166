// The report's three kinds of plot, as inline SVG (cli/svg_plot.hpp):
//  - parameter_plot: one bar per value of a tuned parameter, height = best median reached with it at
//    the parameter's comparison level (db::ParameterEffect::level);
//  - history_plot: each measured trial's median in evaluation order, the best-so-far line per
//    measurement level, every level labelled, the winner circled;
//  - timeline_plot: the best trial's first call, one lane per rank with compute/send/recv/wait rows,
//    waiting for a late peer (load imbalance) and communication not overlapped (red).
// Colours are fixed (report_colours) so the screenshot test can find each plot's marks.
#pragma once

#include <string>

#include "db/report_data.hpp"

namespace burst::cli {

struct ReportColours {
  static constexpr const char* bar = "#8fb0d6";            // parameter plot bars
  static constexpr const char* bar_winner = "#1f5f99";     // the winner's value
  static constexpr const char* point_ok = "#3b6fb6";       // history: measured trial
  static constexpr const char* point_stopped = "#f1a340";  // history: stopped early (a lower bound)
  static constexpr const char* best_line = "#2ca02c";      // history: best so far
  static constexpr const char* compute = "#4e79a7";
  static constexpr const char* send = "#f28e2b";
  static constexpr const char* recv = "#59a14f";
  static constexpr const char* wait = "#b07aa1";
  static constexpr const char* late_peer = "#edc948";  // waiting for a late peer
  static constexpr const char* exposed = "#e15759";    // communication not overlapped
};
const char* lane_colour(db::LaneKind kind);

std::string parameter_plot(const db::WorkloadReport& w, const db::ParameterEffect& p, const std::string& id);
std::string history_plot(const db::WorkloadReport& w, const std::string& id);
std::string timeline_plot(const db::Timeline& t, const std::string& id);

// The unit shown on a parameter's axis title: "kernel.tile_q (rows)", "ring.overlap (strategy)".
std::string parameter_axis_title(const std::string& name);

}  // namespace burst::cli
