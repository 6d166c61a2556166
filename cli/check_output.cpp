// Reporting `--check` (see check_output.hpp).
#include "cli/check_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace burst::cli {

nlohmann::json check_json(const tuner::CheckErrors& c) {
  nlohmann::json j = {{"against", "float64 reference on the same rounded inputs"},
                      {"ok", c.ok()},
                      {"finite", c.finite()},
                      {"logit_bound", c.logit_bound},
                      {"tensors", nlohmann::json::array()}};
  double max = 0.0;
  for (const auto& t : c.tensors) {
    // JSON has no infinity: a non-finite mismatch is reported as null with finite = false.
    const nlohmann::json error = std::isinf(t.error) ? nlohmann::json(nullptr) : nlohmann::json(t.error);
    j[t.name] = error;
    nlohmann::json row = {{"name", t.name}, {"error", error}, {"allowed", t.allowed}, {"worst", t.worst}};
    if (t.baseline >= 0) row["baseline"] = t.baseline;
    j["tensors"].push_back(std::move(row));
    max = std::max(max, t.error);
  }
  j["max"] = std::isinf(max) ? nlohmann::json(nullptr) : nlohmann::json(max);
  return j;
}

std::string check_text(const tuner::CheckErrors& c) {
  std::string s = "vs float64 on the same rounded inputs:";
  for (const auto& t : c.tensors)
    s += std::isinf(t.error) ? fmt::format("  {} NaN/Inf", t.name)
                             : fmt::format("  {} {:.2e} (<= {:.1e})", t.name, t.error, t.allowed);
  if (c.ok()) return s + ": OK";
  s += ": FAILED";
  for (const auto& t : c.tensors) {
    if (t.ok()) continue;
    s += std::isinf(t.error)
             ? fmt::format("; {} is NaN/Inf at element {} where the reference is finite", t.name, t.worst)
             : fmt::format("; {} error {:.2e} > allowed {:.2e} (largest at element {})", t.name, t.error,
                           t.allowed, t.worst);
  }
  return s;
}

int check_exit_code(const tuner::TrialResult& r) {
  return r.check && !r.check->ok() ? 1 : 0;
}

}  // namespace burst::cli
