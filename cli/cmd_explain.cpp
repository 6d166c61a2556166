// burst-tune explain --profile FILE <shape flags>: which profile entry libburst would use for a
// call of that shape here, why, and every parameter with where it came from (the library answers
// the same through burst::select_profile_entry / describe_selection).
#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "burst/profile.hpp"
#include "burst/system.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "cli/profile_choice.hpp"
#include "cli/shape_flags.hpp"

namespace burst::cli {
namespace {

struct ExplainFlags {
  std::string profile, policy, pass = defaults::pass, backend = "auto", here, launch = "threads";
  int world = defaults::world;
  ShapeFlags shape;
};

// --here FILE: a fingerprint object, a `detect --json` document or a profile (its "fingerprint").
Fingerprint fingerprint_from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BURST_REQUIRE(in, path + ": cannot open (--here)");
  auto doc = nlohmann::json::parse(in, nullptr, false);
  BURST_REQUIRE(!doc.is_discarded() && doc.is_object(), path + ": not a JSON object (--here)");
  const auto& fp = doc.contains("fingerprint") ? doc["fingerprint"] : doc;
  try {
    return Fingerprint::from_json(fp.dump());
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(path + ": " + e.what());
  }
}

nlohmann::json selection_json(const Selection& s, const Fingerprint& here) {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : s.params)
    params.push_back({{"name", p.name}, {"value", p.value}, {"origin", to_string(p.origin)}});
  nlohmann::json out = {{"source", to_string(s.source)},
                        {"backend", to_string(s.backend)},
                        {"fingerprint_match", s.fingerprint_match},
                        {"here_fingerprint_id", here.id()},
                        {"explanation", s.explanation},
                        {"params", params},
                        {"warnings", s.warnings}};
  if (s.entry) {
    const auto& k = s.entry->key;
    out["file"] = s.file;
    out["entry_index"] = s.entry_index;
    out["key"] = {{"world_size", k.world_size},  {"heads", k.heads},
                  {"kv_heads", k.kv_heads},      {"head_dim", k.head_dim},
                  {"dtype", to_string(k.dtype)}, {"causal", k.causal},
                  {"pass", to_string(k.pass)},   {"seq_min", k.seq_min},
                  {"seq_max", k.seq_max}};
    if (k.launch) out["key"]["launch"] = to_string(*k.launch);
    out["measured"] = {{"median_s", s.entry->measured.median_s},
                       {"noise", s.entry->measured.noise},
                       {"tflops", s.entry->measured.tflops},
                       {"speedup_vs_default", s.entry->measured.speedup_vs_default}};
  }
  return out;
}

int run_explain(const Context& ctx, const ExplainFlags& f) {
  BURST_REQUIRE(f.world >= 1, "--world must be >= 1, got " + std::to_string(f.world));
  const AttentionShape shape = f.shape.to_shape();
  BURST_REQUIRE(shape.kv_heads_or_heads() >= 1 && shape.heads % shape.kv_heads_or_heads() == 0,
                "--kv-heads must divide --heads (" + std::to_string(shape.heads) + "), got " +
                    std::to_string(shape.kv_heads));
  BURST_REQUIRE(shape.seq % f.world == 0, "--seq (" + std::to_string(shape.seq) +
                                              ") must be a multiple of --world (" + std::to_string(f.world) +
                                              ")");
  std::string policy_text = f.policy;
  if (policy_text.empty()) {
    const char* env = std::getenv("BURST_PROFILE_POLICY");
    policy_text = env && *env ? env : "warn";
  }
  const ProfilePolicy policy = parse_profile_policy(policy_text);
  const Pass pass = parse_pass(f.pass);
  const Backend backend = parse_backend(f.backend);

  Fingerprint here;
  if (!f.here.empty()) {
    here = fingerprint_from_file(f.here);
  } else {
    here = fingerprint_here(nullptr);
  }
  const ProfileSet set = load_profile_set(f.profile);
  const Selection s = select_profile_entry(
      set, here, make_workload_query(shape, f.world, pass, parse_launch(f.launch)), policy, backend);
  if (ctx.global.json) {
    fmt::print("{}\n", selection_json(s, here).dump(2));
  } else {
    fmt::print("profile: {} (policy {}, here: {} fingerprint {})\n", f.profile, to_string(policy),
               here.backend, here.id());
    fmt::print("{}", describe_selection(s));
  }
  std::fflush(stdout);
  // The schedule the selection gives must run here (a profile entry the registry refuses is named).
  if (s.backend == Backend::cpu) {
    const std::string source = s.entry ? "profile entry " + std::to_string(s.entry_index) + " of " + s.file
                                       : std::string("defaults");
    if (auto problem = check_runnable(shape, s.schedule, f.world, s.backend, pass))
      throw InvalidArgument(source + " cannot run: " + problem->message);
  }
  return 0;
}

void add_explain_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("explain", "Show which profile entry would be used for a shape, and why");
  auto f = std::make_shared<ExplainFlags>();
  cmd->add_option("--profile", f->profile, "Profile file, directory or ':'-separated search path")
      ->required();
  cmd->add_option("--policy", f->policy, "Foreign-fingerprint policy (default: BURST_PROFILE_POLICY or warn)")
      ->check(CLI::IsMember({"strict", "warn", "ignore"}));
  add_world_option(*cmd, f->world, "World size (ranks) of the call");
  add_pass_option(*cmd, f->pass, "Pass of the call");
  cmd->add_option("--launch", f->launch,
                  "How the job's ranks run: threads of one process, or processes (MPI, torchrun)")
      ->capture_default_str()
      ->check(CLI::IsMember({"threads", "processes"}));
  cmd->add_option("--backend", f->backend, "Backend the parameters must apply to")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  cmd->add_option("--here", f->here, "Take this machine's fingerprint from a file instead of detecting it");
  add_shape_flags(*cmd, f->shape);
  cmd->footer(
      "Selection order: exact bucket of this fingerprint -> nearest bucket -> another fingerprint's\n"
      "entry (policy warn/ignore) -> built-in defaults. See docs/profiles.md.");
  cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return run_explain(ctx, *f); }; });
}

BURST_CLI_COMMAND(70, add_explain_command);

}  // namespace
}  // namespace burst::cli
