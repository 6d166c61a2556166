// The plan `burst-tune tune` prints per workload before it measures anything, and `--dry-run` with
// the space (docs/tune.md "The plan"): the space, the strategy and its budget, the evaluations it
// plans, and the measuring time the cost model predicts for them, labelled as an estimate (or "no
// estimate" without calibrated rates; nothing is invented).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.hpp"
#include "tuner/session.hpp"

namespace burst::cli {

using Predictor = std::function<double(const tuner::Workload&, const tuner::Candidate&)>;

// What the estimate predicts with: o.predict when set (halving and model calibrate before tune
// measures), else the cost model with the rates calibrated for o.fingerprint in the database
// o.db_path, read only (nothing is created or calibrated). Empty when there are none; `why` then
// says why.
Predictor plan_predictor(const tuner::TuneOptions& o, std::string& why);

// The plan of one workload as data ("plan" in --dry-run --json) and as text.
nlohmann::json tune_plan_json(const tuner::SearchSpace& space, const tuner::TuneOptions& o,
                              const Predictor& predict, const std::string& no_estimate_why);
std::string tune_plan_text(const nlohmann::json& plan);

// A live tune's plan of every workload, before the first trial: on stdout (flushed, so it comes
// before the progress on stderr), on stderr with --json (stdout stays one JSON document), nothing
// with -q or on ranks other than 0.
void print_tune_plan(const tuner::TuneOptions& o, const GlobalOptions& global, int rank);

}  // namespace burst::cli
