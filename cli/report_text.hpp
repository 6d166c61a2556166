// `burst-tune report` in the terminal (text) and as data (--json); fields in docs/report.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "db/report_data.hpp"

namespace burst::cli {

// Fingerprint summary, headline, then per workload: winner vs default (median ms, TFLOP/s, noise,
// speedup), trial counts by status, the winner's changes and the best trial's exposed communication.
std::string format_report_text(const db::Report& report);

nlohmann::json report_json(const db::Report& report);

}  // namespace burst::cli
