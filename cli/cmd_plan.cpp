// burst-tune plan: predicts the best configuration and its time for a cluster described by rates,
// which need not be this machine (--ranks, --ranks-per-node, --compute-rate, --link intra:BW,LAT
// --link inter:BW,LAT, or calibrated rates from --rates FILE / --db FILE), and works out
// docs/algorithm.md's thresholds for the workload (tuner/plan.hpp, docs/cost-model.md).
#include <fmt/core.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "burst/error.hpp"
#include "burst/system.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "cli/flag_checks.hpp"
#include "cli/mask_flags.hpp"
#include "cli/profile_choice.hpp"
#include "db/database.hpp"
#include "tuner/plan.hpp"
#include "tuner/presets.hpp"

namespace burst::cli {
namespace {

struct PlanFlags {
  int ranks = 0, ranks_per_node = 0, top = 10;
  std::string compute_rate, bwd_compute_rate, step_overhead;
  std::vector<std::string> links;
  std::string rates_file, db;
  std::string preset, seq = std::to_string(defaults::plan_seq), dtype = defaults::plan_dtype,
                      pass = defaults::pass;
  std::int64_t batch = defaults::batch, heads = defaults::plan_heads, kv_heads = 0,
               head_dim = defaults::plan_head_dim;
  bool causal = defaults::causal, allow_lossy = false;
  MaskFlags mask;
  double tie = 0.02;
  CLI::App* cmd = nullptr;
};

std::string seconds_text(double s) {
  if (s >= 1.0) return fmt::format("{:.3f} s", s);
  if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.1f} us", s * 1e6);
}

std::string bytes_text(double b) {
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", b / (1024.0 * 1024));
  return fmt::format("{:.1f} KiB", b / 1024.0);
}

std::string tokens_text(double n) {
  return fmt::format("{:.0f}", n);
}

tuner::MachineRates load_rates_file(const std::string& path) {
  std::ifstream in(path);
  BURST_REQUIRE(static_cast<bool>(in), "--rates " + path + ": cannot read the file");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  BURST_REQUIRE(!j.is_discarded(), "--rates " + path + ": not JSON");
  if (j.contains("rates")) j = j["rates"];  // `calibrate --json` output
  try {
    return tuner::MachineRates::from_json(j);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("--rates " + path + ": " + e.what());
  }
}

tuner::MachineRates make_rates(const PlanFlags& f) {
  BURST_REQUIRE(f.rates_file.empty() || f.db.empty(),
                "--rates and --db: give one source of calibrated rates");
  std::optional<tuner::MachineRates> base;
  if (!f.rates_file.empty()) {
    base = load_rates_file(f.rates_file);
    if (base->source.empty()) base->source = "from " + f.rates_file;
  } else if (!f.db.empty()) {
    db::Database database(f.db, db::OpenMode::read_only);
    // Calibrations are stored under this system's fingerprint (the same whatever the world size).
    const std::string id = fingerprint_here(nullptr).id();
    base = tuner::load_calibration(database, id);
    BURST_REQUIRE(base.has_value(), "--db " + f.db + ": no calibration for this machine (fingerprint " + id +
                                        "); run `burst-tune calibrate --db " + f.db + "` first");
  }
  tuner::MachineRates r = base.value_or(tuner::MachineRates{});
  const bool given = !f.compute_rate.empty() || !f.links.empty();
  if (!base) {
    BURST_REQUIRE(!f.compute_rate.empty(),
                  "--compute-rate: required (FLOP/s of one rank, e.g. 700e12) unless "
                  "--rates FILE or --db FILE gives calibrated rates");
    BURST_REQUIRE(!f.links.empty(),
                  "--link: required (intra:BW,LAT in bytes/s and seconds, e.g. intra:450e9,2e-6) "
                  "unless --rates FILE or --db FILE gives calibrated rates");
  }
  if (!f.compute_rate.empty()) {
    const double fwd = tuner::parse_positive(f.compute_rate, "--compute-rate");
    r.default_fwd_flops_per_s = fwd;
    r.default_bwd_flops_per_s = fwd;
    r.fwd_flops_per_s.clear();  // one rate for every variant
    r.bwd_flops_per_s.clear();
  }
  if (!f.bwd_compute_rate.empty())
    r.default_bwd_flops_per_s = tuner::parse_positive(f.bwd_compute_rate, "--bwd-compute-rate");
  bool have_intra = base.has_value(), have_inter = base.has_value();
  for (const std::string& text : f.links) {
    const auto [name, link] = tuner::parse_link(text);
    (name == "intra" ? r.intra : r.inter) = link;
    (name == "intra" ? have_intra : have_inter) = true;
  }
  const int rpn = f.ranks_per_node > 0 ? f.ranks_per_node : f.ranks;
  BURST_REQUIRE(have_intra || rpn == 1, "--link intra:BW,LAT: required (ranks share a node)");
  if (!have_intra) r.intra = r.inter;
  BURST_REQUIRE(have_inter || f.ranks <= rpn, "--link inter:BW,LAT: required when --ranks " +
                                                  std::to_string(f.ranks) + " exceeds --ranks-per-node " +
                                                  std::to_string(rpn));
  if (!have_inter) r.inter = r.intra;
  if (!f.step_overhead.empty()) {
    std::size_t used = 0;
    double v = -1;
    try {
      v = std::stod(f.step_overhead, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    BURST_REQUIRE(used == f.step_overhead.size() && std::isfinite(v) && v >= 0,
                  "--step-overhead: expected seconds >= 0, got '" + f.step_overhead + "'");
    r.step_overhead_s = v;
  }
  if (given) r.source = base ? r.source + ", overridden on the command line" : "given on the command line";
  return r;
}

tuner::Workload make_workload(const PlanFlags& f) {
  tuner::Workload w;
  w.name = f.preset.empty() ? "custom" : f.preset;
  AttentionShape& s = w.shape;
  s.batch = f.batch;
  s.heads = f.heads;
  s.kv_heads = f.kv_heads;
  s.head_dim = f.head_dim;
  if (!f.preset.empty()) {
    const tuner::ModelPreset p = tuner::require_preset(f.preset);
    if (f.cmd->count("--heads") == 0) s.heads = p.heads;
    if (f.cmd->count("--kv-heads") == 0) s.kv_heads = p.kv_heads;
    if (f.cmd->count("--head-dim") == 0) s.head_dim = p.head_dim;
  }
  const auto seq = tuner::parse_seq_length(f.seq);
  BURST_REQUIRE(seq.has_value(),
                "--seq: expected a positive token count like 4096, 128K or 1M, got '" + f.seq + "'");
  s.seq = *seq;
  s.dtype = parse_dtype(f.dtype);
  f.mask.apply(s, f.causal);
  w.pass = parse_pass(f.pass);
  w.world = f.ranks;
  w.ranks_per_node = f.ranks_per_node > 0 ? f.ranks_per_node : f.ranks;
  BURST_REQUIRE(w.ranks_per_node <= w.world, "--ranks-per-node " + std::to_string(w.ranks_per_node) +
                                                 ": expected at most --ranks " + std::to_string(w.world));
  w.backend = Backend::cuda;  // a hypothetical cluster; the model does not depend on it
  Schedule plain;
  try {
    validate(s, plain, w.world);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("workload (--seq, --heads, --kv-heads, --head-dim, --ranks): ") +
                          e.what());
  }
  return w;
}

void print_thresholds(const tuner::Plan& plan) {
  const tuner::Thresholds& t = plan.thresholds;
  const AttentionShape& s = plan.workload.shape;
  fmt::print("\nthresholds (docs/algorithm.md):\n");
  if (plan.workload.pass != Pass::fwd) {
    const double lo = std::min(t.q_bytes_pass, t.kv_bytes_pass),
                 hi = std::max(t.q_bytes_pass, t.kv_bytes_pass);
    fmt::print("  backward bytes per rank per pass: q {} ({} per step), kv {} ({} per step)\n",
               bytes_text(t.q_bytes_pass), bytes_text(t.q_bytes_step), bytes_text(t.kv_bytes_pass),
               bytes_text(t.kv_bytes_step));
    if (t.less == "equal")
      fmt::print("    both schemes send the same bytes at H/Hkv = {}\n", s.heads / s.kv_heads_or_heads());
    else
      fmt::print(
          "    {} sends {:.0f}% less at H/Hkv = {}; they cross at H/Hkv = {:.2f} (kv sends less above it)\n",
          t.less, 100.0 * (1.0 - lo / hi), s.heads / s.kv_heads_or_heads(), t.crossover_ratio);
  }
  auto print_links = [&](const char* title, const std::vector<tuner::OverlapThreshold>& v) {
    fmt::print("  {}\n", title);
    for (const auto& o : v)
      fmt::print(
          "    {:<5} ({:.0f} GB/s, {:.1f} us): n* = {} full block per step, {} balanced causal "
          "(bandwidth only: {} / {})\n",
          o.link, o.bandwidth_Bps / 1e9, o.latency_s * 1e6, tokens_text(o.n_full), tokens_text(o.n_balanced),
          tokens_text(o.n_full_bandwidth_only), tokens_text(o.n_balanced_bandwidth_only));
  };
  if (plan.workload.pass != Pass::bwd)
    print_links(
        "forward: tokens per rank where a step's compute equals its K,V transfer (overlap hides comm above "
        "n*)",
        t.forward);
  if (plan.workload.pass != Pass::fwd) {
    print_links("backward q: compute = tuple + dQ transfer per step", t.backward_q);
    print_links("backward kv: compute = K,V + dK,dV transfer per step", t.backward_kv);
  }
  // The regime of this workload on the link its flat ring uses.
  const std::string used = plan.workload.world > plan.workload.ranks_per_node ? "inter" : "intra";
  const bool balanced = s.causal;  // zigzag/striped are the layouts a causal pick uses
  for (const auto& o : t.forward) {
    if (o.link != used && t.forward.size() > 1) continue;  // one entry: inter is intra
    const double n_star = balanced ? o.n_balanced : o.n_full;
    fmt::print("  this workload: n = {} tokens per rank {} the forward n* = {} of the {} link{}: {}\n", t.n,
               static_cast<double>(t.n) >= n_star ? ">=" : "<", tokens_text(n_star), o.link,
               balanced ? " (balanced causal)" : "",
               static_cast<double>(t.n) >= n_star ? "compute-bound, an overlapped ring hides the transfers"
                                                  : "transfer-bound, communication stays exposed");
    return;
  }
  fmt::print("  this workload: n = {} tokens per rank\n", t.n);
}

int run_plan(const PlanFlags& f, const Context& ctx) {
  BURST_REQUIRE(f.ranks >= 1, "--ranks: required, the number of ranks (GPUs) of the cluster");
  const tuner::Workload w = make_workload(f);
  const tuner::MachineRates rates = make_rates(f);
  tuner::PlanOptions o;
  o.top = f.top;
  o.tie = f.tie;
  o.allow_lossy = f.allow_lossy;
  const tuner::Plan plan = tuner::make_plan(w, rates, o);
  if (ctx.global.json) {
    fmt::print("{}\n", plan.to_json().dump(2));
    return 0;
  }
  const int rpn = w.ranks_per_node;
  fmt::print("plan: {} on {} ranks, {} per node ({} node{})\n", w.label(), w.world, rpn,
             (w.world + rpn - 1) / rpn, (w.world + rpn - 1) / rpn == 1 ? "" : "s");
  fmt::print(
      "rates: {}: compute {:.1f} TFLOP/s fwd, {:.1f} TFLOP/s bwd per rank; intra {:.1f} GB/s {:.1f} us; "
      "inter {:.1f} GB/s {:.1f} us; step overhead {}\n",
      rates.source, rates.default_fwd_flops_per_s / 1e12, rates.default_bwd_flops_per_s / 1e12,
      rates.intra.bandwidth_Bps / 1e9, rates.intra.latency_s * 1e6, rates.inter.bandwidth_Bps / 1e9,
      rates.inter.latency_s * 1e6, seconds_text(rates.step_overhead_s));
  fmt::print("{} configurations ranked ({} invalid for this shape)\n\n", plan.considered, plan.pruned);
  fmt::print("{:>4}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {}\n", "rank", "predicted", "fwd", "bwd",
             "compute", "comm", "exposed", "configuration");
  for (std::size_t i = 0; i < plan.ranked.size(); ++i) {
    const auto& e = plan.ranked[i];
    const auto& p = e.prediction;
    fmt::print("{:>4}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}  {}{}\n", i + 1,
               seconds_text(p.total_s), seconds_text(p.fwd_s), seconds_text(p.bwd_s),
               seconds_text(p.compute_s), seconds_text(p.comm_s), seconds_text(p.exposed_comm_s),
               tuner::describe(e.candidate, w), i == plan.best ? "   <- best" : "");
  }
  const auto& best = plan.ranked[plan.best];
  fmt::print("\nbest: {} predicted {} per call ({} compute, {} exposed communication)\n",
             best.candidate.key(), seconds_text(best.prediction.total_s),
             seconds_text(best.prediction.compute_s), seconds_text(best.prediction.exposed_comm_s));
  if (plan.best != 0)
    fmt::print("      (within {:.0f}% of the fastest and simpler: ties go to the simpler configuration)\n",
               100 * f.tie);
  print_thresholds(plan);
  return 0;
}

void add_plan_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("plan", "Predict the best configuration and its time for a cluster you describe");
  auto f = std::make_shared<PlanFlags>();
  f->cmd = cmd;
  cmd->add_option("--ranks", f->ranks, "Ranks (GPUs) of the cluster")
      ->required()
      ->check(in_range(1, 1 << 20))
      ->group("Cluster");
  cmd->add_option("--ranks-per-node", f->ranks_per_node, "Ranks per node (default: all ranks on one node)")
      ->check(in_range(1, 1 << 20))
      ->group("Cluster");
  cmd->add_option("--compute-rate", f->compute_rate, "Attention FLOP/s of one rank, e.g. 700e12")
      ->group("Cluster");
  cmd->add_option("--bwd-compute-rate", f->bwd_compute_rate,
                  "Backward FLOP/s of one rank (default: --compute-rate)")
      ->group("Cluster");
  cmd->add_option("--link", f->links,
                  "Link class rate: intra:BW,LAT or inter:BW,LAT (bytes/s, seconds); repeat")
      ->group("Cluster");
  cmd->add_option("--step-overhead", f->step_overhead,
                  "Fixed seconds per ring step (default 0, or calibrated)")
      ->group("Cluster");
  cmd->add_option("--rates", f->rates_file, "Rates JSON (calibrate --out or --json); flags override")
      ->group("Cluster");
  cmd->add_option("--db", f->db, "Database with a calibration of this machine; flags override")
      ->group("Cluster");
  cmd->add_option("--preset", f->preset, "Model shape: llama2-7b (32/32/128), llama3-8b (32/8/128), ...")
      ->group("Shape");
  cmd->add_option("--seq", f->seq, "Global sequence length N (4096, 128K, 1M)")
      ->capture_default_str()
      ->group("Shape");
  cmd->add_option("--batch", f->batch, "Batch size B (K, M suffixes: x1024, x1048576)")
      ->capture_default_str()
      ->transform(size_suffix())
      ->check(at_least(1))
      ->group("Shape");
  cmd->add_option("--heads", f->heads, "Query heads H")
      ->capture_default_str()
      ->check(at_least(1))
      ->group("Shape");
  cmd->add_option("--kv-heads", f->kv_heads, "Key/value heads Hkv (0: same as --heads)")
      ->capture_default_str()
      ->check(at_least(0))
      ->group("Shape");
  cmd->add_option("--head-dim", f->head_dim, "Head dimension d")->capture_default_str()->group("Shape");
  cmd->add_option("--dtype", f->dtype, "Input dtype")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}))
      ->group("Shape");
  add_causal_flag(*cmd, f->causal)->group("Shape");
  add_mask_flags(*cmd, f->mask);
  add_pass_option(*cmd, f->pass, "Pass to plan")->group("Shape");
  cmd->add_option("--top", f->top, "Configurations to list")
      ->capture_default_str()
      ->check(in_range(1, 10000));
  cmd->add_option("--tie", f->tie, "Relative time within which the simpler configuration wins")
      ->capture_default_str()
      ->check(in_real_range(0.0, 1.0));
  cmd->add_flag("--allow-lossy", f->allow_lossy, "Also rank ring.accum_dtype=input");
  cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return run_plan(*f, ctx); }; });
}

}  // namespace

BURST_CLI_COMMAND(85, add_plan_command);

}  // namespace burst::cli
