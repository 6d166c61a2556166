// `burst-tune report -o FILE.html`: one self-contained page (inline CSS and SVG, no script, no
// network, no external fonts), written as XHTML-compatible markup so it parses as XML:
//
//   header     headline sentence, database/session/command
//   hardware   the fingerprint, field by field
//   per workload
//     cards + table   winner vs default: median, TFLOP/s, noise, speedup; what the winner changed
//     parameters      one bar plot per tuned parameter (best time reached with each value)
//     history         each trial's median in evaluation order, best-so-far line
//     timeline        the best trial's first call: lanes per rank, compute/send/recv/wait, exposed
//     failures        failed / pruned / stopped-early candidates with their reasons
#pragma once

#include <string>

#include "db/report_data.hpp"

namespace burst::cli {

std::string render_report_html(const db::Report& report);

}  // namespace burst::cli
