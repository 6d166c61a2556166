// burst-tune tune: search the configuration space of one or several workloads on this machine,
// record every trial (samples + trace) in --db, write the winners to the profile --out (merged
// into an existing file), and print the top configurations with their speedup over the default.
// docs/tune.md documents every flag, the measurement protocol and the output.
#include <fmt/core.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/atomic_file.hpp"
#include "burst/config.hpp"
#include "burst/error.hpp"
#include "burst/log.hpp"
#include "burst/profile.hpp"
#include "burst/system.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "cli/flag_checks.hpp"
#include "cli/mask_flags.hpp"
#include "cli/process_text.hpp"
#include "cli/profile_choice.hpp"
#include "cli/profile_output.hpp"
#include "cli/run_flags.hpp"
#include "cli/tune_output.hpp"
#include "cli/tune_plan.hpp"
#include "cli/version.hpp"
#include "comm/launch.hpp"
#include "tuner/presets.hpp"
#include "tuner/session.hpp"

namespace burst::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  if (g_interrupted.exchange(true)) std::_Exit(130);  // a second Ctrl-C: leave now
}

struct TuneFlags {
  std::string preset;
  std::vector<std::string> seq;
  std::int64_t batch = defaults::batch, heads = 0, kv_heads = 0, head_dim = 0;
  std::string dtype = defaults::dtype, pass = defaults::pass, backend = "auto";
  bool causal = defaults::causal;
  MaskFlags mask;
  int world = defaults::world;
  std::string strategy = "halving";
  std::uint64_t seed = 0;
  int max_trials = 64;
  double time_limit = 0;
  std::vector<std::string> space;
  bool allow_lossy = false;
  int warmup = 1, min_samples = 5, max_samples = 20;
  double max_noise = defaults::max_noise, max_time = 5.0;
  std::string db = "burst.db", out = "burst-profile.json";
  bool no_trace = false, dry_run = false;
  int confirm = 3;
  double early_stop = 2.0;
  std::string replay;
  std::string progress = "auto";
  CLI::App* cmd = nullptr;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<tuner::Workload> workloads_of(const TuneFlags& f, int world, int ranks_per_node) {
  // The preset (the "small" one when none is given), with --heads/--kv-heads/--head-dim on top.
  const tuner::ModelPreset p = tuner::require_preset(f.preset.empty() ? "small" : f.preset);
  std::int64_t heads = p.heads, kv = p.kv_heads, d = p.head_dim;
  if (f.heads > 0) heads = kv = f.heads;  // multi-head unless --kv-heads says otherwise
  if (f.kv_heads > 0) kv = f.kv_heads;
  if (f.head_dim > 0) d = f.head_dim;
  tuner::Workload base;
  base.name = !f.preset.empty() ? f.preset : (f.heads > 0 || f.head_dim > 0) ? "custom" : "small";
  base.shape.batch = f.batch;
  base.shape.heads = heads;
  base.shape.kv_heads = kv;
  base.shape.head_dim = d;
  base.shape.dtype = parse_dtype(f.dtype);
  base.shape.causal = f.causal;
  base.pass = parse_pass(f.pass);
  base.world = world;
  base.ranks_per_node = ranks_per_node;
  base.backend = Backend::cpu;
  std::vector<std::string> seqs;
  for (const auto& item : f.seq)
    for (const auto& s : split(item, ',')) seqs.push_back(s);
  if (seqs.empty()) seqs.push_back(std::to_string(defaults::seq));
  std::vector<tuner::Workload> out;
  for (const auto& s : seqs) {
    const auto n = tuner::parse_seq_length(s);
    if (!n)
      throw InvalidArgument("--seq " + s + ": expected a positive sequence length such as 4096, 32K or 1M");
    tuner::Workload w = base;
    w.shape.seq = *n;
    // --mask/--doc-lens/--window when given, else the preset's mask, else --causal.
    const bool mask_flags = !f.mask.mask.empty() || !f.mask.doc_lens.empty() || !f.mask.window.empty();
    if (mask_flags || !tuner::apply_preset_mask(p, w.shape)) f.mask.apply(w.shape, f.causal);
    for (const auto& prev : out)
      if (prev.shape.seq == w.shape.seq) throw InvalidArgument("--seq " + s + ": given twice");
    out.push_back(w);
  }
  return out;
}

tuner::SpaceOptions space_options(const TuneFlags& f) {
  tuner::SpaceOptions o;
  for (const auto& item : f.space) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InvalidArgument("--space " + item +
                            ": expected NAME=V1,V2 (for example ring.overlap=none,double_buffer)");
    const auto values = split(item.substr(eq + 1), ',');
    if (values.empty()) throw InvalidArgument("--space " + item + ": expected at least one value after '='");
    o.restrict.emplace_back(item.substr(0, eq), values);
  }
  o.allow_lossy = f.allow_lossy;
  return o;
}

// The space before and after pruning, and the plan a tune would follow (cli/tune_plan.hpp).
int print_dry_run(const tuner::TuneOptions& o, const Context& ctx) {
  std::string why;
  const Predictor predict = plan_predictor(o, why);
  nlohmann::json all = nlohmann::json::array();
  for (const auto& w : o.workloads) {
    const tuner::SearchSpace space = tuner::build_space(w, o.space);
    nlohmann::json j = dry_run_json(space);
    j["plan"] = tune_plan_json(space, o, predict, why);
    if (!ctx.global.json) fmt::print("{}{}", dry_run_text(space), tune_plan_text(j["plan"]));
    all.push_back(std::move(j));
  }
  if (ctx.global.json) fmt::print("{}\n", nlohmann::json{{"workloads", all}}.dump(2));
  return 0;
}

// The --out path for this rank: "{rank}" in it is replaced by the rank (every rank writes its own
// copy); without it only rank 0 writes.
std::string out_path_for(const std::string& out, int rank) {
  const auto pos = out.find("{rank}");
  if (pos == std::string::npos) return rank == 0 ? out : std::string();
  std::string p = out;
  p.replace(pos, 6, std::to_string(rank));
  return p;
}

// Reads an existing profile at `path` (validating it and its fingerprint) before anything runs.
std::optional<Profile> existing_profile(const std::string& path, const Fingerprint& here) {
  if (path.empty() || !std::filesystem::exists(path)) return std::nullopt;
  Profile p = read_profile(path);  // InvalidArgument naming the file and the JSON path
  if (!(p.fingerprint == here))
    throw InvalidArgument("--out " + path + ": holds a profile of another system (fingerprint " +
                          p.fingerprint.id() + ", here " + here.id() + "); give another --out file");
  return p;
}

int run_tune_command(const TuneFlags& f, const Context& ctx) {
  if (!f.replay.empty()) {
    if (f.dry_run) throw InvalidArgument("--replay and --dry-run: give one of them");
    return replay_command(f.replay, f.strategy, f.seed, f.max_trials, f.time_limit, ctx.global.json);
  }
  check_comm_deadline();
  if (f.backend == "cuda")
    throw InvalidArgument(
        "--backend cuda: the CUDA attention kernels are not wired into the runtime yet; use cpu or auto");
  if (f.backend != "cpu" && f.backend != "auto")
    throw InvalidArgument("--backend " + f.backend + ": expected auto, cpu or cuda");
  std::unique_ptr<Communicator> mpi;
  if (comm::launched_by_mpi()) {
    mpi = comm::make_mpi_world();
    if (f.cmd->count("--world") > 0 && f.world != mpi->size())
      throw InvalidArgument("--world " + std::to_string(f.world) + " disagrees with the MPI world of " +
                            std::to_string(mpi->size()) + " ranks (drop --world under mpirun)");
  }
  const int world = mpi ? mpi->size() : f.world;
  if (world < 1) throw InvalidArgument("--world " + std::to_string(world) + ": expected at least 1");
  const Fingerprint here = fingerprint_here(mpi.get());
  const int rank = mpi ? mpi->rank() : 0;

  tuner::TuneOptions o;
  o.workloads = workloads_of(f, world, ranks_per_node_here(world, mpi.get()));
  o.launch = mpi ? Launch::processes : Launch::threads;
  o.space = space_options(f);

  o.strategy = f.strategy;
  o.seed = f.seed;
  o.max_trials = f.max_trials;
  o.time_limit_s = f.time_limit;
  o.warmup = f.warmup;
  o.min_samples = f.min_samples;
  o.max_samples = f.max_samples;
  o.max_noise = f.max_noise;
  o.max_time_s = f.max_time;
  o.trace = !f.no_trace;
  if (f.confirm < 0) throw InvalidArgument("--confirm " + std::to_string(f.confirm) + ": expected >= 0");
  o.confirm_top = f.confirm;
  o.early_stop = f.early_stop;
  o.db_path = f.db;
  o.command_line = process_command_line("burst-tune tune");
  o.tool_version = BURST_VERSION;
  o.fingerprint = here;
  tuner::validate_tune_options(o);  // every bad flag is refused before anything is written
  if (f.dry_run) return rank == 0 ? print_dry_run(o, ctx) : 0;

  const std::string my_out = out_path_for(f.out, rank);
  if (f.out.empty()) throw InvalidArgument("--out: a file name is required");
  if (f.db.empty()) throw InvalidArgument("--db: a file name is required");
  refuse_output_over_input("--out", my_out, "--db", f.db);
  existing_profile(my_out, here);  // a bad or foreign --out file fails before measuring
  if (!my_out.empty()) {
    const auto parent = std::filesystem::path(my_out).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent))
      throw InvalidArgument("--out " + my_out + ": directory " + parent.string() + " does not exist");
  }
  if (rank == 0) {
    const auto parent = std::filesystem::path(f.db).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent))
      throw InvalidArgument("--db " + f.db + ": directory " + parent.string() + " does not exist");
  }

  // model ranks with the cost model; halving uses it to shortlist its first rung when the budget
  // cannot cover the space. Rates: calibrated for this fingerprint in --db (a quick calibration now
  // when there are none; collective under MPI).
  if (o.strategy == "model" || o.strategy == "halving")
    o.predict = model_predictor(o.db_path, here, world, mpi.get());
  print_tune_plan(o, ctx.global, rank);  // before the first trial (docs/tune.md "The plan")

  g_interrupted = false;
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  ProgressPrinter progress(f.progress == "auto" ? (isatty(STDERR_FILENO) ? "bar" : "lines") : f.progress,
                           ctx.global.quiet || rank != 0);
  o.on_sample = [&progress](const tuner::SampleEvent& e) { progress.on_sample(e); };
  tuner::TuneOutcome outcome;
  try {
    outcome = tuner::run_tune(o, mpi.get(), &g_interrupted,
                              [&](const tuner::TrialEvent& e) { progress.on_trial(e); });
  } catch (...) {
    progress.finish();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    throw;
  }
  progress.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  // Merged into the file as it is now (another tune may have written it since `before` was read),
  // under a lock on "<out>.lock".
  MergeStats ms;
  if (!my_out.empty() && !outcome.profile.entries.empty())
    ms = merge_into_profile_file(my_out, outcome.profile, here);
  if (rank != 0) return outcome.interrupted ? 130 : 0;

  if (ctx.global.json) {
    nlohmann::json j = outcome_json(outcome, f.db, my_out);
    fmt::print("{}\n", j.dump(2));
  } else {
    auto shown = [](const std::string& p) {
      return p.empty() ? p : std::filesystem::absolute(p).lexically_normal().string();
    };
    fmt::print("{}", outcome_text(outcome, shown(f.db), shown(my_out), ms.added, ms.replaced, ms.kept));
  }
  if (outcome.interrupted) {
    fmt::print(stderr,
               "interrupted: finished trials are recorded in {}; run the same command again to resume\n",
               f.db);
    return 130;
  }
  return 0;
}

void add_tune_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("tune", "Search the fastest configuration of each workload and write a profile");
  auto f = std::make_shared<TuneFlags>();
  f->cmd = cmd;
  cmd->add_option("--preset", f->preset,
                  "Model shape: llama2-7b (32/32/128), llama3-8b (32/8/128), ... or small");
  cmd->add_option("--seq", f->seq,
                  "Global sequence lengths, comma-separated (4096,32K,1M); one profile bucket each")
      ->default_str(std::to_string(defaults::seq));
  cmd->add_option("--batch", f->batch, "Batch size (K, M suffixes: x1024, x1048576)")
      ->capture_default_str()
      ->transform(size_suffix())
      ->check(at_least(1));
  cmd->add_option("--heads", f->heads, "Query heads (overrides the preset)");
  cmd->add_option("--kv-heads", f->kv_heads, "Key/value heads (GQA when fewer than --heads)");
  cmd->add_option("--head-dim", f->head_dim, "Head dimension");
  cmd->add_option("--dtype", f->dtype, "Input dtype: fp32, fp16, bf16")->capture_default_str();
  add_causal_flag(*cmd, f->causal);
  add_mask_flags(*cmd, f->mask);
  add_pass_option(*cmd, f->pass, "Pass to tune");
  add_world_option(*cmd, f->world, "Ranks as threads of this process (under mpirun: the MPI world)");
  cmd->add_option("--backend", f->backend, "auto, cpu or cuda")->default_val("auto");
  cmd->add_option("--strategy", f->strategy, "exhaustive, random, halving or model")->default_val("halving");
  cmd->add_option("--seed", f->seed, "Seed of the random choices of the strategy")->default_val(0);
  cmd->add_option("--max-trials", f->max_trials, "Evaluations per workload (0: no limit)")->default_val(64);
  cmd->add_option("--time-limit", f->time_limit, "Seconds of measuring for the whole job (0: no limit)")
      ->default_val(0);
  cmd->add_option("--space", f->space,
                  "Restrict a parameter: NAME=V1,V2 (repeatable), e.g. ring.overlap=none,double_buffer");
  cmd->add_flag("--allow-lossy", f->allow_lossy, "Also search ring.accum_dtype=input (changes numerics)");
  cmd->add_option("--warmup", f->warmup, "Untimed calls before the samples")->default_val(1);
  cmd->add_option("--min-samples", f->min_samples, "Fewest timed samples of a candidate")->default_val(5);
  cmd->add_option("--max-samples", f->max_samples, "Most timed samples of a candidate")->default_val(20);
  cmd->add_option("--max-noise", f->max_noise,
                  "Stop sampling once stdev/median is below this: a percentage (3%) or a fraction (0.03); a "
                  "plain number is a fraction, unlike nvbench's --max-noise 3")
      ->transform(noise_fraction())
      ->default_str(defaults::max_noise_text);
  cmd->add_option("--max-time", f->max_time, "Seconds of samples per candidate at most")->default_val(5.0);
  cmd->add_option("--db", f->db, "Database of trials, samples and traces (created when missing)")
      ->default_val("burst.db");
  add_output_option(*cmd, f->out, "Profile to write (merged into an existing one; {rank} for one per rank)")
      ->default_val("burst-profile.json");
  cmd->add_option("--confirm", f->confirm,
                  "Measure the default and this many of the fastest again, back to back, to decide (0: off)")
      ->default_val(3);
  cmd->add_option("--early-stop", f->early_stop,
                  "Abandon a candidate once its median passes this multiple of the best so far (0: never)")
      ->default_val(2.0);
  cmd->add_flag("--no-trace", f->no_trace, "Do not record the trace of each trial");
  cmd->add_flag("--dry-run", f->dry_run,
                "Print the search space before and after pruning, and why; measure nothing");
  cmd->add_option("--replay", f->replay,
                  "Run the strategy against the measurements recorded in this database");
  add_timeout_flag(*cmd);
  cmd->add_option("--progress", f->progress, "auto, bar, lines or none")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return run_tune_command(*f, ctx); }; });
}

}  // namespace

BURST_CLI_COMMAND(25, add_tune_command);

}  // namespace burst::cli
