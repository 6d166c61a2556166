#include "cli/run_flags.hpp"

#include <fmt/core.h>

#include "burst/config.hpp"
#include "burst/error.hpp"
#include "burst/log.hpp"
#include "cli/flag_checks.hpp"
#include "cli/mask_flags.hpp"
#include "cli/profile_choice.hpp"
#include "comm/launch.hpp"

namespace burst::cli {

void add_run_flags(CLI::App& cmd, RunFlags& f) {
  f.cmd = &cmd;
  add_shape_flags(cmd, f.shape);
  add_schedule_flags(cmd, f.schedule);
  cmd.add_option("--backend", f.backend, "Backend (auto picks cuda when a usable GPU is present)")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->group("Execution");
  add_world_option(cmd, f.world, "Ranks as threads of this process (under mpirun: the MPI world)")
      ->group("Execution");
  add_pass_option(cmd, f.pass, "Passes to run")->group("Execution");
  cmd.add_option("--warmup", f.warmup, "Untimed iterations")
      ->capture_default_str()
      ->check(at_least(0))
      ->group("Execution");
  cmd.add_option("--iters", f.iters, "Timed iterations")
      ->capture_default_str()
      ->check(at_least(1))
      ->group("Execution");
  cmd.add_option("--threads", f.schedule.threads,
                 "Compute threads per rank (0: cores / ranks in this process)")
      ->capture_default_str()
      ->check(at_least(0))
      ->group("Execution");
  add_timeout_flag(cmd);
  cmd.add_option("--q", f.q, "Global Q (B, N, H, d) .npy, float32 or float16")->group("Data");
  cmd.add_option("--k", f.k, "Global K (B, N, Hkv, d) .npy")->group("Data");
  cmd.add_option("--v", f.v, "Global V (B, N, Hkv, d) .npy")->group("Data");
  cmd.add_option("--do", f.dout, "Global dO (B, N, H, d) .npy")->group("Data");
  cmd.add_option("--seed", f.seed, "Seed of the random inputs")->capture_default_str()->group("Data");
  cmd.add_option("--save", f.save, "Write o, lse, dq, dk, dv .npy (float32, global order) to this directory")
      ->group("Data");
  cmd.add_option("--profile", f.profile,
                 "Tuned profile (file or search path): its entry for this shape sets every schedule option "
                 "not given here")
      ->group("Schedule");
  cmd.add_option("--policy", f.policy, "Use of profile entries from another machine")
      ->capture_default_str()
      ->check(CLI::IsMember({"strict", "warn", "ignore"}))
      ->group("Schedule");
  cmd.add_flag("--check", f.check,
               "Compare every output with a float64 reference on the same inputs (docs/run.md)")
      ->group("Data");
}

void add_timeout_flag(CLI::App& cmd) {
  cmd.add_option_function<std::int64_t>(
         "--timeout-ms", [](std::int64_t ms) { set_default_comm_deadline(std::chrono::milliseconds(ms)); },
         "Deadline of every communication wait, ms (default: BURST_COMM_TIMEOUT_MS, else 120000)")
      ->check(at_least(1))
      ->group("Execution");
}

void check_comm_deadline() {
  (void)default_comm_deadline();  // InvalidArgument naming the variable
}

RunEnvironment make_run_environment(const RunFlags& f) {
  check_comm_deadline();
  RunEnvironment env;
  if (f.backend == "cuda")
    throw InvalidArgument(
        "--backend cuda: this build has no CUDA attention kernels yet (BurstAttention runs on the cpu "
        "backend); "
        "use --backend cpu or auto");
  env.backend = "cpu";
  env.backend_reason =
      f.backend == "auto" ? "auto: the CUDA backend is not part of this build yet, using cpu" : "requested";
  if (comm::launched_by_mpi()) {
    env.mpi_world = comm::make_mpi_world();
    if (f.cmd != nullptr && f.cmd->count("--world") > 0 && f.world != env.mpi_world->size())
      throw InvalidArgument("--world " + std::to_string(f.world) + " disagrees with the MPI world of " +
                            std::to_string(env.mpi_world->size()) + " ranks (drop --world under mpirun)");
  }
  return env;
}

tuner::TrialSpec to_trial_spec(const RunFlags& f, RunEnvironment& env) {
  tuner::TrialSpec spec;
  spec.shape = f.shape.to_shape();
  spec.schedule = f.schedule.to_schedule();
  spec.world = env.mpi_world ? env.mpi_world->size() : f.world;
  spec.pass = parse_pass(f.pass);
  if (!f.profile.empty()) {
    const ProfileSet set = load_profile_set(f.profile);
    const Fingerprint here = fingerprint_here(env.mpi_world.get());
    env.profile =
        select_profile_entry(set, here,
                             make_workload_query(spec.shape, spec.world, spec.pass,
                                                 env.mpi_world ? Launch::processes : Launch::threads),
                             parse_profile_policy(f.policy), Backend::cpu);
    for (const std::string& w : env.profile->warnings) log_warning(w);
    spec.schedule = override_given(env.profile->schedule, f.schedule, *f.cmd);
  }
  // Refused here, before any input is read or any rank starts, naming the flag or profile entry.
  const std::string source =
      env.profile && env.profile->entry
          ? "profile entry " + std::to_string(env.profile->entry_index) + " of " + env.profile->file
          : std::string();
  require_runnable(spec.shape, spec.schedule, spec.world, Backend::cpu, spec.pass, f.cmd, source);
  spec.warmup = f.warmup;
  spec.iters = f.iters;
  spec.seed = f.seed;
  spec.check = f.check;
  spec.q_file = f.q;
  spec.k_file = f.k;
  spec.v_file = f.v;
  spec.do_file = f.dout;
  spec.save_dir = f.save;
  return spec;
}

namespace {

nlohmann::json pass_json(const tuner::TimeStats& t, double gflops, std::uint64_t bytes,
                         std::uint64_t expected) {
  return {{"median_s", t.median},
          {"min_s", t.min},
          {"max_s", t.max},
          {"mean_s", t.mean},
          {"stdev_s", t.stdev},
          {"noise", t.rel_noise()},
          {"samples_s", t.samples},
          {"gflops", gflops},
          {"bytes_sent_per_rank", bytes},
          {"expected_bytes_per_rank", expected}};
}

std::string bytes_text(double b) {
  if (b >= 1024.0 * 1024.0) return fmt::format("{:.2f} MiB", b / (1024.0 * 1024.0));
  if (b >= 1024.0) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{:.0f} B", b);
}

void print_pass(const char* name, const tuner::TimeStats& t, double gflops, std::uint64_t bytes,
                std::uint64_t expected) {
  fmt::print(
      "{:<9} median {:.3f} ms (min {:.3f}, max {:.3f}, noise {:.1f}%)  {:.1f} GFLOP/s  sent {}/rank{}\n",
      name, t.median * 1e3, t.min * 1e3, t.max * 1e3, 100.0 * t.rel_noise(), gflops,
      bytes_text(double(bytes)),
      bytes == expected ? "" : fmt::format(" (expected {}!)", bytes_text(double(expected))));
}

}  // namespace

nlohmann::json result_json(const tuner::TrialSpec& spec, const tuner::TrialResult& r,
                           const RunEnvironment& env) {
  const auto& s = spec.shape;
  const auto& sc = spec.schedule;
  nlohmann::json j;
  j["shape"] = {{"batch", s.batch},       {"seq", s.seq},
                {"heads", s.heads},       {"kv_heads", s.kv_heads_or_heads()},
                {"head_dim", s.head_dim}, {"dtype", to_string(s.dtype)},
                {"causal", s.causal},     {"mask", to_string(s.mask_kind())}};
  if (s.has_documents()) j["shape"]["doc_bounds"] = s.doc_bounds;
  if (s.has_window()) j["shape"]["window"] = {s.window_left, s.window_right};
  j["schedule"] = {{"layout", to_string(sc.layout)},
                   {"bwd_comm", to_string(sc.bwd_comm)},
                   {"overlap", to_string(sc.overlap)},
                   {"chunks", sc.chunks},
                   {"topology", to_string(sc.topology)},
                   {"group_size", sc.group_size},
                   {"accum_dtype", to_string(sc.accum_dtype)},
                   {"tile_q", sc.tile_q},
                   {"tile_kv", sc.tile_kv},
                   {"threads", sc.threads}};
  j["world"] = r.world;
  if (r.world > 1 && s.mask_rule().restricts()) j["imbalance"] = work_imbalance(s, sc.layout, r.world);
  j["comm"] = r.comm_backend;
  j["backend"] = env.backend;
  j["pass"] = to_string(spec.pass);
  j["iters"] = spec.iters;
  j["warmup"] = spec.warmup;
  if (spec.pass != Pass::bwd)
    j["forward"] = pass_json(r.fwd, r.gflops_fwd, r.bytes_fwd, r.expected_bytes_fwd);
  if (spec.pass != Pass::fwd)
    j["backward"] = pass_json(r.bwd, r.gflops_bwd, r.bytes_bwd, r.expected_bytes_bwd);
  if (r.check) j["check"] = check_json(*r.check);
  if (!spec.save_dir.empty()) j["saved_to"] = spec.save_dir;
  if (env.profile) {
    const Selection& p = *env.profile;
    nlohmann::json applied = nlohmann::json::array();
    for (const ResolvedParam& rp : p.params)
      if (rp.origin == ParamOrigin::entry) applied.push_back(rp.name);
    j["profile"] = {{"file", p.file},
                    {"source", to_string(p.source)},
                    {"entry_index", p.entry_index},
                    {"fingerprint_match", p.fingerprint_match},
                    {"explanation", p.explanation},
                    {"parameters_from_profile", applied}};
  }
  return j;
}

void print_result(const tuner::TrialSpec& spec, const tuner::TrialResult& r, const RunEnvironment& env) {
  const auto& s = spec.shape;
  const auto& sc = spec.schedule;
  fmt::print("shape     B={} N={} H={} Hkv={} d={} {}{}\n", s.batch, s.seq, s.heads, s.kv_heads_or_heads(),
             s.head_dim, to_string(s.dtype),
             s.causal || s.has_documents() || s.has_window() ? " " + mask_text(s) : "");
  fmt::print("world     {} ranks ({}), backend {} ({})\n", r.world,
             r.comm_backend == "local" ? "threads of this process" : "MPI processes", env.backend,
             env.backend_reason);
  if (r.world > 1 && s.mask_rule().restricts())
    fmt::print("balance   {:.2f} (the busiest rank's share of the mask's work over the mean, layout {})\n",
               work_imbalance(s, sc.layout, r.world), to_string(sc.layout));
  fmt::print(
      "schedule  layout {}, bwd {}, overlap {}, chunks {}, topology {}{}, accum {}, tiles {}x{}\n",
      to_string(sc.layout), to_string(sc.bwd_comm), to_string(sc.overlap), sc.chunks, to_string(sc.topology),
      sc.topology == Topology::double_ring
          ? (sc.group_size == 0 ? std::string(" (one group)") : fmt::format(" (groups of {})", sc.group_size))
          : "",
      to_string(sc.accum_dtype), sc.tile_q, sc.tile_kv);
  if (env.profile) fmt::print("profile   {}\n", env.profile->explanation);
  if (spec.pass != Pass::bwd) print_pass("forward", r.fwd, r.gflops_fwd, r.bytes_fwd, r.expected_bytes_fwd);
  if (spec.pass != Pass::fwd) print_pass("backward", r.bwd, r.gflops_bwd, r.bytes_bwd, r.expected_bytes_bwd);
  if (r.check) fmt::print("check     {}\n", check_text(*r.check));
  if (!spec.save_dir.empty())
    fmt::print("saved     o.npy lse.npy{} in {}\n", spec.pass != Pass::fwd ? " dq.npy dk.npy dv.npy" : "",
               spec.save_dir);
}

}  // namespace burst::cli
