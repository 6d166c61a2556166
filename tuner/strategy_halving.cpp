// Successive halving (Jamieson & Talwalkar 2016; the rung schedule of Hyperband's brackets):
//
//   rung 0: n0 candidates, level 0 (brief)        -- n0 = all, or what --max-trials leaves room for
//   rung 1: the best ceil(n0 / eta), level 1       -- measured longer
//   ...
//   last rung: level full_level()                  -- the finalists' full measurements are kept
//
// The rung of candidates r is measured at level r, except the last measuring rung, which is at
// the full level. Once a rung has full measurements there is nothing left to learn by measuring
// its survivors again at the same level, so halving stops measuring there: with full_level() == 1
// that is the classic two-rung form (everything brief, the best third in full). The default
// candidate is measured in full first and takes no part in the rungs. With --max-trials, rung 0 is
// the largest sample whose rungs fit the budget (the cost model's shortlist when one is given, a
// seeded random sample otherwise); candidates that are not ok
// (failed, stopped early) are dropped from the rung they were measured in.
#include <algorithm>
#include <cmath>
#include <limits>

#include "burst/error.hpp"
#include "tuner/strategy.hpp"

namespace burst::tuner {

namespace {

// Rung sizes starting from n0 (n0, ceil(n0/eta), ... down to 1), cut after the rung measured at
// `full` (rungs beyond it would only re-rank full measurements).
std::vector<std::size_t> rung_sizes(std::size_t n0, double eta, int full) {
  std::vector<std::size_t> sizes;
  if (n0 == 0) return sizes;
  std::size_t s = n0;
  for (;;) {
    sizes.push_back(s);
    if (s <= 1 || static_cast<int>(sizes.size()) > full) break;
    s = static_cast<std::size_t>(std::ceil(static_cast<double>(s) / eta));
  }
  return sizes;
}

std::size_t total(const std::vector<std::size_t>& sizes) {
  std::size_t t = 0;
  for (std::size_t s : sizes) t += s;
  return t;
}

}  // namespace

namespace strategy_detail {

std::vector<std::size_t> halving_rungs(std::size_t candidates, int full_level,
                                       const StrategyOptions& options) {
  if (candidates == 0) return {};
  const int full = std::max(full_level, 0);
  // Rung 0's size: every other candidate, or as many as the remaining --max-trials can carry
  // through all rungs.
  const std::size_t budget = options.max_trials > 0 ? static_cast<std::size_t>(options.max_trials) - 1
                                                    : std::numeric_limits<std::size_t>::max();
  std::size_t n0 = candidates - 1;
  while (n0 > 0 && total(rung_sizes(n0, options.eta, full)) > budget) --n0;
  std::vector<std::size_t> sizes = rung_sizes(n0, options.eta, full);
  if (options.max_trials > 0 && !sizes.empty()) {
    // Spend what the rounding left of the budget on more finalists (or, with one rung, on more
    // candidates), so that --max-trials N measures exactly N when the space is large enough.
    const std::size_t left = budget - total(sizes);
    const std::size_t room =
        sizes.size() == 1 ? candidates - 1 - sizes[0] : sizes[sizes.size() - 2] - sizes.back();
    sizes.back() += std::min(left, room);
  }
  return sizes;
}

}  // namespace strategy_detail

StrategyTrace run_halving(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options) {
  BURST_REQUIRE(options.eta > 1.0, "strategy halving: eta must be > 1, got " + std::to_string(options.eta));
  StrategyTrace trace;
  const std::size_t n = space.candidates.size();
  if (n == 0 || !strategy_detail::may_evaluate(trace, evaluator, options)) return trace;
  const int full = std::max(evaluator.full_level(), 0);
  strategy_detail::evaluate_step(trace, evaluator, space, 0, full);  // the default, in full

  const std::vector<std::size_t> sizes = strategy_detail::halving_rungs(n, full, options);
  const std::size_t n0 = sizes.empty() ? 0 : sizes[0];

  // Rung 0 draws its candidates in a seeded random order. When the budget is short (a sample, not
  // the whole space) and a cost model is given, the sample is the n0 candidates it predicts fastest
  // (ties in seeded order) instead: the brief rung then checks the model's shortlist by measurement.
  std::vector<std::size_t> order;
  for (std::size_t i : seeded_permutation(n - 1, options.seed)) order.push_back(i + 1);
  if (options.predict && n0 < n - 1) {
    std::vector<double> predicted(n, 0.0);
    for (std::size_t i : order) predicted[i] = options.predict(space.candidates[i]);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return predicted[a] < predicted[b]; });
  }
  std::vector<std::size_t> current(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n0));

  for (std::size_t rung = 0; rung < sizes.size(); ++rung) {
    const bool last = rung + 1 == sizes.size();
    const int level = last ? full : static_cast<int>(rung);
    struct Ranked {
      double median_s;
      std::size_t order;  // evaluation order within the rung: breaks ties
      std::size_t candidate;
    };
    std::vector<Ranked> ok;
    for (std::size_t i = 0; i < current.size(); ++i) {
      if (!strategy_detail::may_evaluate(trace, evaluator, options)) return trace;
      const Measurement& m = strategy_detail::evaluate_step(trace, evaluator, space, current[i], level);
      if (m.ok) ok.push_back({m.median_s, i, current[i]});
    }
    if (last) break;
    std::sort(ok.begin(), ok.end(), [](const Ranked& a, const Ranked& b) {
      return a.median_s != b.median_s ? a.median_s < b.median_s : a.order < b.order;
    });
    // The next rung, best first (so a budget cut mid-rung keeps the most promising).
    current.clear();
    for (std::size_t i = 0; i < ok.size() && i < sizes[rung + 1]; ++i) current.push_back(ok[i].candidate);
    if (current.empty()) break;
  }
  return trace;
}

}  // namespace burst::tuner
