// The cost model (docs/cost-model.md derives every term): per ring step, the critical-path rank's
// compute (FLOPs of its block pair / the kernel variant's rate) and the hop's transfers (bytes /
// bandwidth + messages * latency), composed by the overlap strategy's rule, plus a fixed overhead.
//
//   step k of a pass (c: compute, tb: block to the next holder, ta: backward accumulator, o: overhead)
//     none            c + tb + ta + o
//     double_buffer   max(c, tb) + ta + o                   (the accumulator leaves after compute)
//     chunk_pipeline  max(c, tb + ta*(C-1)/C) + ta/C + C*o  (only the last piece's accumulator waits)
//   double ring: a round of L steps also hides the inter-group seed: round = max(sum of steps, seed)
#include "tuner/cost_model.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "burst/error.hpp"
#include "db/calibration_store.hpp"

namespace burst::tuner {
namespace {

struct RingShape {
  int groups = 1;      // I
  int group_size = 1;  // L
};

RingShape ring_shape(const Workload& w, const Schedule& s) {
  RingShape r;
  const int G = w.world;
  if (s.topology == Topology::double_ring && s.group_size > 0 && s.group_size < G && G % s.group_size == 0) {
    r.group_size = s.group_size;
    r.groups = G / s.group_size;
  } else {
    r.group_size = G;
    r.groups = 1;
  }
  return r;
}

int ranks_per_node(const Workload& w) {
  return w.ranks_per_node > 0 ? w.ranks_per_node : w.world;
}

void require_link(const LinkRate& l, const char* name) {
  BURST_REQUIRE(
      l.bandwidth_Bps > 0 && l.latency_s >= 0,
      std::string("cost model: the ") + name + " link needs a positive bandwidth and a latency >= 0");
}

double rate_of(const std::map<std::string, double>& per_variant, double fallback, const std::string& key) {
  const auto it = per_variant.find(key);
  return it != per_variant.end() && it->second > 0 ? it->second : fallback;
}

LinkRate link_from_json(const nlohmann::json& j, const char* name) {
  BURST_REQUIRE(j.contains(name) && j[name].is_object(),
                std::string("rates: missing object \"") + name + "\"");
  LinkRate l;
  l.bandwidth_Bps = j[name].at("bandwidth_Bps").get<double>();
  l.latency_s = j[name].at("latency_s").get<double>();
  return l;
}

}  // namespace

nlohmann::json MachineRates::to_json() const {
  nlohmann::json j;
  j["source"] = source;
  j["default_fwd_flops_per_s"] = default_fwd_flops_per_s;
  j["default_bwd_flops_per_s"] = default_bwd_flops_per_s;
  j["fwd_flops_per_s"] = fwd_flops_per_s;
  j["bwd_flops_per_s"] = bwd_flops_per_s;
  if (!fwd_row_s.empty()) j["fwd_row_s"] = fwd_row_s;
  if (!bwd_row_s.empty()) j["bwd_row_s"] = bwd_row_s;
  j["intra"] = {{"bandwidth_Bps", intra.bandwidth_Bps}, {"latency_s", intra.latency_s}};
  j["inter"] = {{"bandwidth_Bps", inter.bandwidth_Bps}, {"latency_s", inter.latency_s}};
  j["step_overhead_s"] = step_overhead_s;
  return j;
}

MachineRates MachineRates::from_json(const nlohmann::json& j) {
  BURST_REQUIRE(j.is_object(), "rates: expected a JSON object");
  MachineRates r;
  try {
    r.source = j.value("source", std::string());
    r.default_fwd_flops_per_s = j.at("default_fwd_flops_per_s").get<double>();
    r.default_bwd_flops_per_s = j.at("default_bwd_flops_per_s").get<double>();
    if (j.contains("fwd_flops_per_s"))
      r.fwd_flops_per_s = j["fwd_flops_per_s"].get<std::map<std::string, double>>();
    if (j.contains("bwd_flops_per_s"))
      r.bwd_flops_per_s = j["bwd_flops_per_s"].get<std::map<std::string, double>>();
    if (j.contains("fwd_row_s")) r.fwd_row_s = j["fwd_row_s"].get<std::map<std::string, double>>();
    if (j.contains("bwd_row_s")) r.bwd_row_s = j["bwd_row_s"].get<std::map<std::string, double>>();
    r.intra = link_from_json(j, "intra");
    r.inter = link_from_json(j, "inter");
    r.step_overhead_s = j.value("step_overhead_s", 0.0);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(std::string("rates: ") + e.what());
  }
  BURST_REQUIRE(r.default_fwd_flops_per_s > 0 && r.default_bwd_flops_per_s > 0,
                "rates: default_fwd_flops_per_s and default_bwd_flops_per_s must be positive");
  require_link(r.intra, "intra");
  require_link(r.inter, "inter");
  BURST_REQUIRE(r.step_overhead_s >= 0, "rates: step_overhead_s must be >= 0");
  for (const auto* m : {&r.fwd_row_s, &r.bwd_row_s})
    for (const auto& [k, v] : *m) BURST_REQUIRE(v >= 0, "rates: row cost of " + k + " must be >= 0");
  return r;
}

nlohmann::json Prediction::to_json() const {
  return {{"fwd_s", fwd_s},          {"bwd_s", bwd_s},   {"total_s", total_s},
          {"compute_s", compute_s},  {"comm_s", comm_s}, {"exposed_comm_s", exposed_comm_s},
          {"overhead_s", overhead_s}};
}

BlockCostFit fit_block_cost(double flops1, double rows1, double t1, double flops2, double rows2, double t2) {
  BURST_REQUIRE(flops1 > 0 && flops2 > 0 && rows1 > 0 && rows2 > 0 && t1 > 0 && t2 > 0,
                "fit_block_cost: flops, rows and times must be positive");
  BlockCostFit fit;
  const double det = flops1 * rows2 - flops2 * rows1;  // 0 when the two blocks have the same size
  double c = 0, e = 0;                                 // seconds per FLOP, seconds per row
  if (det != 0) {
    c = (t1 * rows2 - t2 * rows1) / det;
    e = (flops1 * t2 - flops2 * t1) / det;
  }
  if (det == 0 || e < 0 || c <= 0) {  // no usable per-row term: one rate from the larger block
    const bool first = flops1 >= flops2;
    fit.flops_per_s = first ? flops1 / t1 : flops2 / t2;
    fit.row_s = 0;
    return fit;
  }
  fit.flops_per_s = 1.0 / c;
  fit.row_s = e;
  return fit;
}

std::string variant_key(int tile_q, int tile_kv) {
  return fmt::format("{}x{}", tile_q, tile_kv);
}

double compute_rate(const MachineRates& rates, const Schedule& schedule, bool backward) {
  const std::string key = variant_key(schedule.tile_q, schedule.tile_kv);
  const double r = backward ? rate_of(rates.bwd_flops_per_s, rates.default_bwd_flops_per_s, key)
                            : rate_of(rates.fwd_flops_per_s, rates.default_fwd_flops_per_s, key);
  BURST_REQUIRE(r > 0, std::string("cost model: no positive ") + (backward ? "backward" : "forward") +
                           " compute rate for kernel variant " + key);
  return r;
}

double block_fraction(const AttentionShape& shape, Layout layout, int step) {
  if (!shape.causal) return 1.0;
  if (layout == Layout::contiguous) return step == 0 ? 0.5 : 1.0;
  return 0.5;
}

double masked_block_fraction(const Workload& w, const Schedule& s, int step, int steps, bool keys_travel) {
  const AttentionShape& shape = w.shape;
  if (!shape.has_documents() && !shape.has_window()) return block_fraction(shape, s.layout, step);
  const int G = w.world;
  if (step >= steps) return 0.0;
  const std::int64_t n = shape.seq / G;
  const RingShape ring = ring_shape(w, s);
  double most = 0;
  for (int r = 0; r < G; ++r) {
    // Rank (g, l) holds at step k = t*L + u the block of rank ((g - t) mod I, (l - u) mod L).
    const int L = ring.group_size, I = ring.groups, g = r / L, l = r % L, t = step / L, u = step % L;
    const int held = ((g - t) % I + I) % I * L + ((l - u) % L + L) % L;
    const double pairs =
        keys_travel ? block_pairs(shape, s.layout, G, r, held) : block_pairs(shape, s.layout, G, held, r);
    most = std::max(most, pairs);
  }
  return most / (static_cast<double>(n) * static_cast<double>(n));
}

double block_flops(const AttentionShape& shape, std::int64_t n, bool backward) {
  const double f = 4.0 * static_cast<double>(shape.batch) * static_cast<double>(n) * static_cast<double>(n) *
                   static_cast<double>(shape.heads) * static_cast<double>(shape.head_dim);
  return backward ? 2.5 * f : f;
}

HopBytes hop_bytes(const AttentionShape& shape, const Schedule& schedule, std::int64_t n, bool backward) {
  const double B = static_cast<double>(shape.batch), N = static_cast<double>(n);
  const double H = static_cast<double>(shape.heads), Hkv = static_cast<double>(shape.kv_heads_or_heads());
  const double d = static_cast<double>(shape.head_dim);
  const double b = static_cast<double>(dtype_size(shape.dtype));
  const double a = schedule.accum_dtype == AccumDType::fp32 ? 4.0 : b;
  HopBytes h;
  if (!backward) {
    h.block = 2.0 * B * N * Hkv * d * b;  // K, V
  } else if (schedule.bwd_comm == BwdComm::q) {
    h.block = B * N * H * (2.0 * d * b + 2.0 * 4.0);  // Q, dO (input dtype) + D, lse (fp32)
    h.accumulator = B * N * H * d * a;                // dQ
  } else {
    h.block = B * N * Hkv * 2.0 * d * b;        // K, V
    h.accumulator = B * N * Hkv * 2.0 * d * a;  // dK, dV
  }
  return h;
}

double transfer_time(const LinkRate& link, double bytes, int messages) {
  if (bytes <= 0) return 0.0;
  return bytes / link.bandwidth_Bps + static_cast<double>(messages) * link.latency_s;
}

const LinkRate& flat_link(const Workload& workload, const MachineRates& rates) {
  return workload.world > ranks_per_node(workload) ? rates.inter : rates.intra;
}

PassPrediction predict_pass(const Workload& workload, const Candidate& candidate, const MachineRates& rates,
                            bool backward) {
  const AttentionShape& shape = workload.shape;
  const Schedule& s = candidate.schedule;
  const int G = workload.world;
  BURST_REQUIRE(G >= 1, "cost model: world must be at least 1");
  BURST_REQUIRE(shape.seq % G == 0,
                fmt::format("cost model: seq {} is not divisible by the world {}", shape.seq, G));
  const std::int64_t n = shape.seq / G;
  const int C = s.overlap == Overlap::chunk_pipeline ? std::max(1, s.chunks) : 1;

  const double rate = compute_rate(rates, s, backward);
  const std::string variant = variant_key(s.tile_q, s.tile_kv);
  const auto& rows = backward ? rates.bwd_row_s : rates.fwd_row_s;
  const auto row_it = rows.find(variant);
  const double row_s = row_it != rows.end() ? row_it->second : 0.0;
  const double full_block_s =
      block_flops(shape, n, backward) / rate + row_s * static_cast<double>(shape.batch * n * shape.heads);
  const HopBytes bytes = hop_bytes(shape, s, n, backward);

  const RingShape ring = ring_shape(workload, s);
  const int L = ring.group_size, I = ring.groups;
  // Links: a flat ring runs at its slowest hop; a double ring's group hops are intra when the group
  // fits in a node, and its seeds (and accumulators crossing a round boundary) cross groups.
  const LinkRate& group_link =
      I == 1 ? flat_link(workload, rates) : (L <= ranks_per_node(workload) ? rates.intra : rates.inter);
  const LinkRate& cross_link = flat_link(workload, rates);
  if (G > 1) {
    require_link(group_link, "ring");
    require_link(cross_link, "ring");
  }

  PassPrediction p;
  // A mask can empty the ring's tail: the ring then stops after S steps (burst::ring_steps).
  const bool keys_travel = !backward || s.bwd_comm == BwdComm::kv;
  const int S = ring_steps(shape, s, G, keys_travel);
  p.steps = S;
  for (int t = 0; t < I && t * L < S; ++t) {
    double round_s = 0;
    const double seed_s =
        (G > 1 && t < I - 1 && (t + 1) * L < S) ? transfer_time(cross_link, bytes.block, C) : 0.0;
    for (int u = 0; u < L && t * L + u < S; ++u) {
      const int k = t * L + u;
      const double c = masked_block_fraction(workload, s, k, S, keys_travel) * full_block_s;
      const double tb = (G > 1 && u < L - 1 && k + 1 < S) ? transfer_time(group_link, bytes.block, C) : 0.0;
      const LinkRate& acc_link = (I > 1 && u == L - 1) ? cross_link : group_link;
      const double ta = (G > 1 && backward) ? transfer_time(acc_link, bytes.accumulator, C) : 0.0;
      const double o = rates.step_overhead_s * C;
      double step_s = 0;
      switch (s.overlap) {
        case Overlap::none:
          // The seed leaves beside the group hop after compute; both are waited before the next step.
          step_s = c + std::max(tb, u == 0 ? seed_s : 0.0) + ta;
          break;
        case Overlap::double_buffer:
          step_s = std::max(c, tb) + ta;
          break;
        case Overlap::chunk_pipeline: {
          const double Cd = static_cast<double>(C);
          step_s = std::max(c, tb + ta * (Cd - 1.0) / Cd) + ta / Cd;
          break;
        }
      }
      step_s += o;
      round_s += step_s;
      p.compute_s += c;
      p.comm_s += tb + ta;
      p.overhead_s += o;
    }
    p.comm_s += seed_s;
    // Overlapped strategies: the seed posted at the round's start has the whole round to arrive.
    if (s.overlap != Overlap::none) round_s = std::max(round_s, seed_s + rates.step_overhead_s * C);
    p.time_s += round_s;
  }
  p.exposed_s = std::max(0.0, p.time_s - p.compute_s - p.overhead_s);
  return p;
}

std::function<double(const Workload&, const Candidate&)> predictor(const MachineRates& rates) {
  return [rates](const Workload& w, const Candidate& c) { return predict(w, c, rates).total_s; };
}

Prediction predict(const Workload& workload, const Candidate& candidate, const MachineRates& rates) {
  Prediction out;
  const bool fwd = workload.pass != Pass::bwd, bwd = workload.pass != Pass::fwd;
  for (const bool backward : {false, true}) {
    if (backward ? !bwd : !fwd) continue;
    const PassPrediction p = predict_pass(workload, candidate, rates, backward);
    (backward ? out.bwd_s : out.fwd_s) = p.time_s;
    out.total_s += p.time_s;
    out.compute_s += p.compute_s;
    out.comm_s += p.comm_s;
    out.exposed_comm_s += p.exposed_s;
    out.overhead_s += p.overhead_s;
  }
  return out;
}

// ---- calibration storage ----

void store_calibration(db::Database& db, const std::string& fingerprint_id, const MachineRates& rates) {
  db::insert_calibration(db, fingerprint_id, rates.to_json().dump());
}

std::optional<MachineRates> load_calibration(db::Database& db, const std::string& fingerprint_id) {
  const auto text = db::latest_calibration(db, fingerprint_id);
  if (!text) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  BURST_REQUIRE(!j.is_discarded(), db.path() + ": calibrations row for " + fingerprint_id + " is not JSON");
  return MachineRates::from_json(j);
}

}  // namespace burst::tuner
