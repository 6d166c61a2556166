// Headline and comparison helpers of `burst-tune report` (see report_summary.hpp).
#include "cli/report_summary.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/text.hpp"

namespace burst::cli {

std::string exposure_verdict(double f) {
  if (f < 0.10) return "hidden";
  if (f < 0.30) return "partly hidden";
  return "not hidden";
}

double comparison_noise(const db::WorkloadReport& w) {
  double n = 0;
  if (const auto* b = w.best()) n = std::max(n, b->noise);
  if (const auto* d = w.default_trial()) n = std::max(n, d->noise);
  return n;
}

namespace {
std::vector<std::pair<std::string, std::string>> diff(const db::ReportTrial* base, const db::ReportTrial& t) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : t.params) {
    bool same = false;
    if (base) {
      for (const auto& [n, v] : base->params) same = same || (n == name && v == value);
    }
    if (!same) out.emplace_back(name, value);
  }
  return out;
}

}  // namespace

std::string headline_exposure(const db::Report& r) {
  // Every rank counts: the largest fraction of any rank of any best trial, and which rank it is.
  const db::Timeline *transfer = nullptr, *late = nullptr;
  for (const auto& w : r.workloads) {
    if (!w.timeline) continue;
    const auto& t = *w.timeline;
    if (!transfer || t.not_overlapped_fraction > transfer->not_overlapped_fraction) transfer = &t;
    if (!late || t.late_peer_fraction > late->late_peer_fraction) late = &t;
  }
  if (!transfer) return "";
  const char* whose =
      r.tuning ? (r.workloads.size() > 1 ? "the best trials" : "the best trial") : "the trial";
  return fmt::format(
      "Communication is {}: in {} at most {:.1f}% of a rank's pass time is communication not overlapped "
      "with compute (rank {}); waiting for a late peer (load imbalance) takes up to {:.1f}% (rank {}).",
      exposure_verdict(transfer->not_overlapped_fraction), whose, transfer->not_overlapped_fraction * 100,
      transfer->not_overlapped_rank, late->late_peer_fraction * 100, late->late_peer_rank);
}

std::vector<std::pair<std::string, std::string>> winner_changes(const db::WorkloadReport& w) {
  const auto* b = w.best();
  if (!b) return {};
  return diff(w.default_trial(), *b);
}

std::string changes_text(const std::vector<std::pair<std::string, std::string>>& changes) {
  std::string s;
  for (const auto& [n, v] : changes) s += (s.empty() ? "" : ", ") + n + "=" + v;
  return s;
}

std::string candidate_text(const db::WorkloadReport& w, const db::ReportTrial& t) {
  if (t.params.empty()) return t.key;
  if (t.is_default) return "default";
  const auto d = diff(w.default_trial(), t);
  return d.empty() ? "default" : changes_text(d);
}

std::string report_headline(const db::Report& r) {
  const std::string exposure = headline_exposure(r);
  // One line of text quoting database strings: control characters escaped (base/text.hpp).
  return text::printable(headline_result(r) + (exposure.empty() ? "" : " " + exposure));
}

// " Not established: ..." when the tuner's verdict of a workload is "unreliable" (noise above
// --max-noise, docs/tune.md): the figures before it are what was measured, not a result.
std::string unreliable_note(const db::Report& r) {
  const auto unreliable =
      std::count_if(r.workloads.begin(), r.workloads.end(),
                    [](const db::WorkloadReport& w) { return w.verdict.rfind("unreliable", 0) == 0; });
  if (unreliable == 0) return "";
  const std::size_t n = r.workloads.size();
  const std::string which =
      n == 1 ? std::string("the workload was") : fmt::format("{} of {} workloads were", unreliable, n);
  return fmt::format(" Not established: {} measured with noise above --max-noise (see the verdict).", which);
}

std::string headline_result(const db::Report& r) {
  if (!r.tuning) {
    const auto& w = r.workloads.front();
    const auto* t = w.best();
    std::string s = fmt::format("One traced trial on {} (not a tuning session): {}", r.hardware, w.label);
    if (t)
      s += fmt::format(" took {:.3f} ms ({:.3g} TFLOP/s, noise {:.1f}%).", t->median_s * 1e3, t->tflops,
                       t->noise * 100);
    else
      s += " has no measured time.";
    return s;
  }
  const std::size_t n = r.workloads.size();
  double lo = 0, hi = 0, noise = 0;
  int compared = 0;
  for (const auto& w : r.workloads) {
    if (w.speedup <= 0) continue;
    lo = compared ? std::min(lo, w.speedup) : w.speedup;
    hi = compared ? std::max(hi, w.speedup) : w.speedup;
    noise = std::max(noise, comparison_noise(w));
    ++compared;
  }
  std::string s = fmt::format("Tuned {} workload{} on {}: ", n, n == 1 ? "" : "s", r.hardware);
  if (compared == 0) {
    s += "no configuration was measured against the default.";
  } else if (hi <= 1.0 + noise) {
    s += fmt::format("the default configuration is already the best (within the noise of {:.1f}%).",
                     noise * 100);
  } else if (compared == 1) {
    s += fmt::format("the best configuration is {:.2f}x faster than the default (noise {:.1f}%).", hi,
                     noise * 100);
  } else {
    s += fmt::format(
        "the best configurations are {:.2f}x to {:.2f}x faster than the defaults (noise up to {:.1f}%).", lo,
        hi, noise * 100);
  }
  return s + unreliable_note(r);
}

}  // namespace burst::cli
