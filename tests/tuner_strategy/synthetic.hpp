// A synthetic search space and evaluator for the strategy tests: 54 candidates whose true time is
// a product of per-parameter factors (so the best is known by construction), measured with a
// deterministic relative error that is larger at the brief level.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tuner/strategy.hpp"

namespace burst::test {

// ring.overlap x kernel.tile_q x ring.chunks x ring.layout = 3 x 3 x 3 x 2; the default (none, 64,
// 1, contiguous) first.
inline tuner::SearchSpace synthetic_space() {
  tuner::SearchSpace space;
  space.dims = {{"ring.overlap", {"none", "double_buffer", "chunk_pipeline"}},
                {"kernel.tile_q", {"64", "32", "128"}},
                {"ring.chunks", {"1", "2", "4"}},
                {"ring.layout", {"contiguous", "zigzag"}}};
  const Overlap overlaps[] = {Overlap::none, Overlap::double_buffer, Overlap::chunk_pipeline};
  const int tiles[] = {64, 32, 128};
  const int chunks[] = {1, 2, 4};
  const Layout layouts[] = {Layout::contiguous, Layout::zigzag};
  for (Overlap o : overlaps)
    for (int t : tiles)
      for (int c : chunks)
        for (Layout l : layouts) {
          tuner::Candidate cand;
          cand.schedule.overlap = o;
          cand.schedule.tile_q = t;
          cand.schedule.chunks = c;
          cand.schedule.layout = l;
          space.candidates.push_back(cand);
        }
  space.raw_size = space.candidates.size();
  return space;
}

// True seconds: overlap none 1.0, double_buffer 0.8, chunk_pipeline 0.7; tile 64 1.0, 32 1.3,
// 128 1.1; chunks 1 1.0, 2 0.95, 4 1.05; contiguous 1.0, zigzag 0.9. The best is chunk_pipeline,
// 64, 2 chunks, zigzag (0.5985), 5.3% ahead of the next (chunk_pipeline, 64, 1, zigzag: 0.63).
inline double true_time(const tuner::Candidate& c) {
  const std::map<std::string, double> overlap{{"none", 1.0}, {"double_buffer", 0.8}, {"chunk_pipeline", 0.7}};
  const std::map<std::string, double> tile{{"64", 1.0}, {"32", 1.3}, {"128", 1.1}};
  const std::map<std::string, double> chunks{{"1", 1.0}, {"2", 0.95}, {"4", 1.05}};
  const std::map<std::string, double> layout{{"contiguous", 1.0}, {"zigzag", 0.9}};
  return overlap.at(c.value("ring.overlap")) * tile.at(c.value("kernel.tile_q")) *
         chunks.at(c.value("ring.chunks")) * layout.at(c.value("ring.layout"));
}

inline std::size_t true_best(const tuner::SearchSpace& space, const std::set<std::string>& failing = {}) {
  std::size_t best = 0;
  for (std::size_t i = 0; i < space.candidates.size(); ++i) {
    if (failing.count(space.candidates[i].key())) continue;
    if (failing.count(space.candidates[best].key()) ||
        true_time(space.candidates[i]) < true_time(space.candidates[best]))
      best = i;
  }
  return best;
}

class SyntheticEvaluator : public tuner::Evaluator {
 public:
  // error: the relative error amplitude at the full level (4x at level 0); failing: keys that
  // fail; budget: evaluate() calls before exhausted() (0: none).
  explicit SyntheticEvaluator(double error = 0.01, std::set<std::string> failing = {}, int budget = 0)
      : error_(error), failing_(std::move(failing)), budget_(budget) {}

  tuner::Measurement evaluate(const tuner::EvalRequest& request) override {
    ++calls;
    if (budget_ > 0 && calls > budget_) over_budget = true;
    const std::string key = request.candidate->key();
    tuner::Measurement m;
    m.samples = request.level == full_level() ? 10 : 3;
    if (failing_.count(key)) {
      m.status = "failed";
      m.failure = "synthetic failure";
      return m;
    }
    // A deterministic error in [-amp, amp] from the key's hash and the level.
    const double amp = request.level == full_level() ? error_ : 4 * error_;
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a: the same on every standard library
    for (char ch : key + "@" + std::to_string(request.level))
      h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    const double u = static_cast<double>(h % 2001) / 1000.0 - 1.0;
    m.ok = true;
    m.status = "ok";
    m.median_s = true_time(*request.candidate) * (1 + amp * u);
    m.noise = amp;
    return m;
  }
  int full_level() const override { return full; }
  bool exhausted() const override { return budget_ > 0 && calls >= budget_; }

  int calls = 0;
  int full = 1;  // levels 0..full
  bool over_budget = false;

 private:
  double error_;
  std::set<std::string> failing_;
  int budget_;
};

// The best ok full-level step of a trace (its candidate index), or -1.
inline long best_full(const tuner::StrategyTrace& trace, int full_level) {
  long best = -1;
  double t = 0;
  for (const auto& s : trace.steps)
    if (s.level == full_level && s.m.ok && (best < 0 || s.m.median_s < t)) {
      best = static_cast<long>(s.candidate);
      t = s.m.median_s;
    }
  return best;
}

}  // namespace burst::test
