// The model strategy: the cost model ranks every unmeasured candidate, the top model_batch are
// measured in full, a per-parameter-value correction of the model is refitted on all measurements
// (ModelRefit), repeat until everything is measured or the budget says stop.
//
// Ties between equal (corrected) predictions are broken by a seeded random order, so --seed
// matters where the model cannot tell candidates apart. A prediction that is not a positive finite
// number (or a model that throws burst::Error for a candidate) ranks that candidate last.
#include <algorithm>
#include <cmath>
#include <limits>

#include "burst/error.hpp"
#include "tuner/strategy.hpp"
#include "tuner/trial.hpp"

namespace burst::tuner {

namespace {

bool usable(double seconds) {
  return std::isfinite(seconds) && seconds > 0;
}

// Gaussian elimination with partial pivoting on the dense system a x = b (a: m x m, row major).
// The ridge term keeps `a` positive definite, so a zero pivot is a broken invariant.
std::vector<double> solve(std::vector<double> a, std::vector<double> b) {
  const std::size_t m = b.size();
  for (std::size_t col = 0; col < m; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < m; ++r)
      if (std::abs(a[r * m + col]) > std::abs(a[pivot * m + col])) pivot = r;
    BURST_CHECK(a[pivot * m + col] != 0.0, "model refit: singular normal equations");
    if (pivot != col) {
      for (std::size_t c = 0; c < m; ++c) std::swap(a[col * m + c], a[pivot * m + c]);
      std::swap(b[col], b[pivot]);
    }
    for (std::size_t r = col + 1; r < m; ++r) {
      const double f = a[r * m + col] / a[col * m + col];
      if (f == 0.0) continue;
      for (std::size_t c = col; c < m; ++c) a[r * m + c] -= f * a[col * m + c];
      b[r] -= f * b[col];
    }
  }
  std::vector<double> x(m);
  for (std::size_t i = m; i-- > 0;) {
    double s = b[i];
    for (std::size_t c = i + 1; c < m; ++c) s -= a[i * m + c] * x[c];
    x[i] = s / a[i * m + i];
  }
  return x;
}

}  // namespace

ModelRefit::ModelRefit(std::vector<Dimension> dims, const Candidate& reference, double lambda)
    : lambda_(lambda) {
  BURST_REQUIRE(lambda > 0, "model refit: lambda must be > 0");
  for (Dimension& d : dims) {
    if (d.values.size() < 2) continue;  // a constant dimension is part of y0
    const std::string ref = reference.value(d.name);
    std::vector<std::size_t> columns;
    for (const std::string& v : d.values) columns.push_back(v == ref ? no_column : columns_++);
    columns_of_.push_back(std::move(columns));
    dims_.push_back(std::move(d));
  }
}

std::size_t ModelRefit::column(std::size_t dim, std::string_view value) const {
  const auto& values = dims_[dim].values;
  const auto it = std::find(values.begin(), values.end(), value);
  return it == values.end() ? no_column : columns_of_[dim][static_cast<std::size_t>(it - values.begin())];
}

std::vector<std::size_t> ModelRefit::features_of(const Candidate& candidate) const {
  std::vector<std::size_t> active;
  for (std::size_t d = 0; d < dims_.size(); ++d) {
    const std::size_t c = column(d, candidate.value(dims_[d].name));
    if (c != no_column) active.push_back(c);
  }
  return active;
}

void ModelRefit::add(const Candidate& candidate, double predicted_s, double measured_s) {
  if (!usable(predicted_s) || !usable(measured_s)) return;
  rows_.push_back({features_of(candidate), std::log(measured_s / predicted_s), candidate.is_default()});
}

void ModelRefit::fit() {
  fitted_ = !rows_.empty();
  if (!fitted_) return;
  // y0: the default's log ratio (the latest, if measured twice), else the median.
  std::vector<double> ys;
  bool anchored = false;
  for (const Row& r : rows_) {
    ys.push_back(r.log_ratio);
    if (r.is_default) {
      offset_ = r.log_ratio;
      anchored = true;
    }
  }
  if (!anchored) {
    offset_ = summarise(ys).median;
  }
  // Normal equations (X^T X + lambda I) w = X^T (y - y0) over 0/1 features.
  const std::size_t m = columns_;
  std::vector<double> a(m * m, 0.0), rhs(m, 0.0);
  for (const Row& r : rows_) {
    for (std::size_t i : r.active) {
      rhs[i] += r.log_ratio - offset_;
      for (std::size_t j : r.active) a[i * m + j] += 1.0;
    }
  }
  for (std::size_t j = 0; j < m; ++j) a[j * m + j] += lambda_;
  weights_ = m == 0 ? std::vector<double>{} : solve(std::move(a), std::move(rhs));
}

double ModelRefit::correction(const Candidate& candidate) const {
  if (!fitted_) return 1.0;
  double s = offset_;
  for (std::size_t i : features_of(candidate)) s += weights_[i];
  return std::exp(std::clamp(s, -50.0, 50.0));
}

double ModelRefit::weight(std::string_view name, std::string_view value) const {
  if (!fitted_) return 0.0;
  for (std::size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].name != name) continue;
    const std::size_t c = column(d, value);
    return c == no_column ? 0.0 : weights_[c];
  }
  return 0.0;
}

StrategyTrace run_model(const SearchSpace& space, Evaluator& evaluator, const StrategyOptions& options) {
  BURST_REQUIRE(static_cast<bool>(options.predict),
                "strategy model: no cost model to rank candidates with (calibrate this machine first, "
                "or choose another strategy)");
  BURST_REQUIRE(options.model_batch >= 1,
                "strategy model: model_batch must be >= 1, got " + std::to_string(options.model_batch));
  StrategyTrace trace;
  const std::size_t n = space.candidates.size();
  if (n == 0) return trace;
  const int full = evaluator.full_level();

  std::vector<double> predicted(n, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < n; ++i) {
    try {
      predicted[i] = options.predict(space.candidates[i]);
    } catch (const Error&) {
      // No prediction for this one: it ranks last.
    }
  }
  std::vector<std::size_t> tie_rank(n);
  const std::vector<std::size_t> perm = seeded_permutation(n, options.seed);
  for (std::size_t r = 0; r < n; ++r) tie_rank[perm[r]] = r;

  ModelRefit refit(space.dims, space.candidates[0]);
  std::vector<bool> measured(n, false);
  auto measure = [&](std::size_t i) {
    const Measurement& m = strategy_detail::evaluate_step(trace, evaluator, space, i, full);
    measured[i] = true;
    // A stopped-early median is a lower bound of the time: still the right direction to correct.
    if (m.ok || m.status == "stopped_early") refit.add(space.candidates[i], predicted[i], m.median_s);
  };

  if (!strategy_detail::may_evaluate(trace, evaluator, options)) return trace;
  measure(0);  // the default, first
  refit.fit();
  for (;;) {
    struct Ranked {
      double corrected_s;
      std::size_t tie, candidate;
    };
    std::vector<Ranked> ranked;
    for (std::size_t i = 0; i < n; ++i) {
      if (measured[i]) continue;
      const double p = usable(predicted[i]) ? refit.corrected(space.candidates[i], predicted[i])
                                            : std::numeric_limits<double>::infinity();
      ranked.push_back({p, tie_rank[i], i});
    }
    if (ranked.empty()) break;
    const std::size_t batch = std::min(ranked.size(), static_cast<std::size_t>(options.model_batch));
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(batch), ranked.end(),
                      [](const Ranked& a, const Ranked& b) {
                        return a.corrected_s != b.corrected_s ? a.corrected_s < b.corrected_s : a.tie < b.tie;
                      });
    for (std::size_t k = 0; k < batch; ++k) {
      if (!strategy_detail::may_evaluate(trace, evaluator, options)) return trace;
      measure(ranked[k].candidate);
    }
    refit.fit();
  }
  return trace;
}

}  // namespace burst::tuner
