#include "tuner/plan.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "burst/error.hpp"

namespace burst::tuner {
namespace {

// Positive root of a*n^2 = b*n + c (a > 0, b >= 0, c >= 0).
double positive_root(double a, double b, double c) {
  return (b + std::sqrt(b * b + 4.0 * a * c)) / (2.0 * a);
}

// Compute = transfer per step for a block of `bytes_per_token` bytes per token (per rank) on `link`,
// with per-step compute flops_per_n2 * n^2 / rate * fraction.
OverlapThreshold threshold(const std::string& name, const LinkRate& link, double flops_per_n2, double rate,
                           double bytes_per_token, int messages) {
  OverlapThreshold t;
  t.link = name;
  t.bandwidth_Bps = link.bandwidth_Bps;
  t.latency_s = link.latency_s;
  const double b = bytes_per_token / link.bandwidth_Bps, c = messages * link.latency_s;
  for (const double fraction : {1.0, 0.5}) {
    const double a = fraction * flops_per_n2 / rate;
    const double with_latency = positive_root(a, b, c), bandwidth_only = b / a;
    if (fraction == 1.0) {
      t.n_full = with_latency;
      t.n_full_bandwidth_only = bandwidth_only;
    } else {
      t.n_balanced = with_latency;
      t.n_balanced_bandwidth_only = bandwidth_only;
    }
  }
  return t;
}

nlohmann::json threshold_json(const OverlapThreshold& t) {
  return {{"link", t.link},
          {"bandwidth_Bps", t.bandwidth_Bps},
          {"latency_s", t.latency_s},
          {"n_full", t.n_full},
          {"n_balanced_causal", t.n_balanced},
          {"n_full_bandwidth_only", t.n_full_bandwidth_only},
          {"n_balanced_causal_bandwidth_only", t.n_balanced_bandwidth_only}};
}

}  // namespace

double parse_positive(std::string_view text, std::string_view flag) {
  const std::string s(text);
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  BURST_REQUIRE(used == s.size() && !s.empty() && std::isfinite(v) && v > 0,
                std::string(flag) + ": expected a positive number like 700e12, got '" + s + "'");
  return v;
}

std::pair<std::string, LinkRate> parse_link(std::string_view text) {
  const auto colon = text.find(':');
  const auto comma = text.find(',');
  const std::string expected =
      "--link: expected intra:BW,LAT or inter:BW,LAT (bytes/s, seconds), got '" + std::string(text) + "'";
  BURST_REQUIRE(colon != std::string_view::npos && comma != std::string_view::npos && comma > colon,
                expected);
  const std::string name(text.substr(0, colon));
  BURST_REQUIRE(name == "intra" || name == "inter", expected);
  LinkRate l;
  l.bandwidth_Bps =
      parse_positive(text.substr(colon + 1, comma - colon - 1), "--link " + name + " bandwidth");
  const std::string lat(text.substr(comma + 1));
  std::size_t used = 0;
  try {
    l.latency_s = std::stod(lat, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  BURST_REQUIRE(!lat.empty() && used == lat.size() && std::isfinite(l.latency_s) && l.latency_s >= 0,
                "--link " + name + " latency: expected seconds >= 0 like 2e-6, got '" + lat + "'");
  return {name, l};
}

std::string describe(const Candidate& c, const Workload& w) {
  const Schedule& s = c.schedule;
  std::string out;
  if (w.shape.causal) out += std::string(to_string(s.layout)) + " ";
  if (w.pass != Pass::fwd) out += "bwd:" + std::string(to_string(s.bwd_comm)) + " ";
  out += std::string(to_string(s.overlap));
  if (s.overlap == Overlap::chunk_pipeline) out += fmt::format(" C={}", s.chunks);
  out +=
      s.topology == Topology::double_ring ? fmt::format(" double L={}", s.group_size) : std::string(" flat");
  out += " " + variant_key(s.tile_q, s.tile_kv);
  if (s.accum_dtype == AccumDType::input) out += " accum=input";
  return out;
}

std::vector<Candidate> plan_candidates(const Workload& w, const MachineRates& /*rates*/,
                                       const PlanOptions& options, std::size_t* pruned) {
  // The same space `tune` searches (tuner/space.cpp), pruned by the same constraints. The kernel
  // constraints are the cpu registry's: the model does not depend on the backend, and a cluster
  // being planned is usually not in front of us.
  Workload here = w;
  here.backend = Backend::cpu;
  SpaceOptions space_options;
  space_options.allow_lossy = options.allow_lossy;
  SearchSpace space = build_space(here, space_options);
  if (pruned != nullptr) *pruned = space.pruned.size();
  return std::move(space.candidates);
}

Thresholds compute_thresholds(const Workload& w, const MachineRates& rates) {
  Thresholds th;
  const AttentionShape& s = w.shape;
  const int G = std::max(2, w.world);
  th.n = s.seq / std::max(1, w.world);
  const double Gd = static_cast<double>(G);
  Schedule q_sched, kv_sched;
  kv_sched.bwd_comm = BwdComm::kv;
  const HopBytes q = hop_bytes(s, q_sched, th.n, true), kv = hop_bytes(s, kv_sched, th.n, true);
  th.q_bytes_step = q.block + q.accumulator;
  th.kv_bytes_step = kv.block + kv.accumulator;
  th.q_bytes_pass = (Gd - 1.0) * q.block + Gd * q.accumulator;
  th.kv_bytes_pass = (Gd - 1.0) * kv.block + Gd * kv.accumulator;
  th.less = th.q_bytes_pass < th.kv_bytes_pass ? "q" : th.kv_bytes_pass < th.q_bytes_pass ? "kv" : "equal";
  // Per query head (q) and per kv head (kv): equal when H/Hkv = kv_per_head / q_per_head.
  const double d = static_cast<double>(s.head_dim), b = static_cast<double>(dtype_size(s.dtype)), a = 4.0;
  const double q_per_head = (Gd - 1.0) * (2.0 * d * b + 8.0) + Gd * d * a;
  const double kv_per_head = (Gd - 1.0) * 2.0 * d * b + Gd * 2.0 * d * a;
  th.crossover_ratio = kv_per_head / q_per_head;

  const double B = static_cast<double>(s.batch), H = static_cast<double>(s.heads);
  const double Hkv = static_cast<double>(s.kv_heads_or_heads());
  const double fwd_flops_n2 = 4.0 * B * H * d;  // per n^2
  const double fwd_rate = compute_rate(rates, Schedule{}, false),
               bwd_rate = compute_rate(rates, Schedule{}, true);
  const double n = static_cast<double>(std::max<std::int64_t>(th.n, 1));
  std::vector<std::pair<std::string, LinkRate>> links{{"intra", rates.intra}};
  // inter only when it is a different link (plan sets it to intra when not given).
  if (rates.inter.bandwidth_Bps > 0 && (rates.inter.bandwidth_Bps != rates.intra.bandwidth_Bps ||
                                        rates.inter.latency_s != rates.intra.latency_s))
    links.emplace_back("inter", rates.inter);
  for (const auto& [name, link] : links) {
    if (link.bandwidth_Bps <= 0) continue;
    th.forward.push_back(threshold(name, link, fwd_flops_n2, fwd_rate, 2.0 * B * Hkv * d * b, 1));
    th.backward_q.push_back(
        threshold(name, link, 2.5 * fwd_flops_n2, bwd_rate, (q.block + q.accumulator) / n, 2));
    th.backward_kv.push_back(
        threshold(name, link, 2.5 * fwd_flops_n2, bwd_rate, (kv.block + kv.accumulator) / n, 2));
  }
  return th;
}

std::size_t pick_best(const std::vector<PlanEntry>& entries, double tie) {
  if (entries.empty()) return 0;
  const double fastest = entries.front().prediction.total_s;
  std::size_t best = 0;
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].prediction.total_s > fastest * (1.0 + tie)) break;
    if (entries[i].candidate.complexity() < entries[best].candidate.complexity()) best = i;
  }
  return best;
}

Plan make_plan(const Workload& workload, const MachineRates& rates, const PlanOptions& options) {
  Plan plan;
  plan.workload = workload;
  plan.rates = rates;
  const std::vector<Candidate> candidates = plan_candidates(workload, rates, options, &plan.pruned);
  BURST_REQUIRE(!candidates.empty(), "plan: no valid configuration for " + workload.label());
  plan.considered = candidates.size();
  std::vector<PlanEntry> all;
  all.reserve(candidates.size());
  for (const Candidate& c : candidates) all.push_back({c, predict(workload, c, rates)});
  std::stable_sort(all.begin(), all.end(), [](const PlanEntry& x, const PlanEntry& y) {
    return x.prediction.total_s < y.prediction.total_s;
  });
  const std::size_t best = pick_best(all, options.tie);
  // Keep the pick visible even when it is not among the top entries.
  plan.ranked.assign(all.begin(),
                     all.begin() + static_cast<std::ptrdiff_t>(std::min(
                                       all.size(), static_cast<std::size_t>(std::max(1, options.top)))));
  if (best >= plan.ranked.size()) {
    plan.ranked.push_back(all[best]);
    plan.best = plan.ranked.size() - 1;
  } else {
    plan.best = best;
  }
  plan.thresholds = compute_thresholds(workload, rates);
  return plan;
}

nlohmann::json Plan::to_json() const {
  nlohmann::json j;
  j["workload"] = workload.to_json();
  j["tokens_per_rank"] = thresholds.n;
  j["rates"] = rates.to_json();
  j["considered"] = considered;
  j["pruned"] = pruned;
  j["best"] = best;
  nlohmann::json list = nlohmann::json::array();
  for (const PlanEntry& e : ranked) {
    nlohmann::json row = e.prediction.to_json();
    row["config"] = e.candidate.to_json();
    row["description"] = describe(e.candidate, workload);
    list.push_back(row);
  }
  j["ranked"] = list;
  nlohmann::json th;
  th["backward_bytes"] = {{"q_per_pass", thresholds.q_bytes_pass},
                          {"kv_per_pass", thresholds.kv_bytes_pass},
                          {"q_per_step", thresholds.q_bytes_step},
                          {"kv_per_step", thresholds.kv_bytes_step},
                          {"less", thresholds.less},
                          {"crossover_heads_ratio", thresholds.crossover_ratio}};
  auto arr = [](const std::vector<OverlapThreshold>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : v) a.push_back(threshold_json(t));
    return a;
  };
  th["overlap_forward"] = arr(thresholds.forward);
  th["overlap_backward_q"] = arr(thresholds.backward_q);
  th["overlap_backward_kv"] = arr(thresholds.backward_kv);
  j["thresholds"] = th;
  return j;
}

}  // namespace burst::tuner
