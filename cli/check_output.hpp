// How `run --check` / `trace --check` report the comparison with float64 (docs/run.md "--check"):
// one JSON object, one line of text, the exit code.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tuner/trial.hpp"

namespace burst::cli {

// {"against", "o": err, ..., "max", "finite", "ok", "logit_bound", "tensors": [{name, error,
// allowed, baseline?, worst}]}.
nlohmann::json check_json(const tuner::CheckErrors& c);
// "vs float64 on the same rounded inputs: o 1.2e-07 (<= 1.0e-05)  lse ...: OK" and, when it
// failed, which tensor and element.
std::string check_text(const tuner::CheckErrors& c);
// 0 when there was no check or it passed, 1 otherwise.
int check_exit_code(const tuner::TrialResult& r);

}  // namespace burst::cli
