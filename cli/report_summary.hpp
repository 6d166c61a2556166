// Sentences and small derived figures shared by the report's HTML, text and JSON forms, so the three
// always say the same thing (docs/report.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "db/report_data.hpp"

namespace burst::cli {

// "Tuned 2 workloads on <hardware>: the best configuration is 1.31x faster than the default (noise 2.0%)."
// followed by one sentence on communication (the largest rank's not-overlapped and late-peer
// fractions); for a trace session, the trial's figures.
std::string report_headline(const db::Report& report);
// Its two parts: the result sentence and the communication sentence ("" when nothing was traced).
std::string headline_result(const db::Report& report);
std::string headline_exposure(const db::Report& report);

// The winner's parameters that differ from the default trial's ("ring.overlap=double_buffer").
// Empty when the winner is the default; all parameters when there is no default trial.
std::vector<std::pair<std::string, std::string>> winner_changes(const db::WorkloadReport& w);
std::string changes_text(const std::vector<std::pair<std::string, std::string>>& changes);

// "hidden" (< 10% of the pass time is communication not overlapped), "partly hidden" (< 30%),
// "not hidden". Waiting for a late peer is load imbalance and does not count.
std::string exposure_verdict(double not_overlapped_fraction);

// Larger of the winner's and the default's relative noise (0 when neither was measured).
double comparison_noise(const db::WorkloadReport& w);

// A trial's candidate as "k=v, k=v" relative to the default trial (or its key when none).
std::string candidate_text(const db::WorkloadReport& w, const db::ReportTrial& t);

}  // namespace burst::cli
