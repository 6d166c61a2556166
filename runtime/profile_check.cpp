// burst::check_profile_runnable: a profile's entries against the kernel registry, so `validate`
// refuses what `run --profile` or a training job would refuse.
#include "burst/attention.hpp"

namespace burst {

std::vector<ProfileProblem> check_profile_runnable(const Profile& profile, const std::string& file) {
  std::vector<ProfileProblem> problems;
  const Backend backend = profile.fingerprint.backend == "cuda" ? Backend::cuda : Backend::cpu;
  if (backend != Backend::cpu) return problems;  // the runtime drives only the cpu kernels in this build
  for (std::size_t i = 0; i < profile.entries.size(); ++i) {
    const ProfileEntry& e = profile.entries[i];
    AttentionShape shape;
    shape.heads = e.key.heads;
    shape.kv_heads = e.key.kv_heads;
    shape.head_dim = e.key.head_dim;
    shape.dtype = e.key.dtype;
    shape.causal = e.key.causal;
    // 1680 = 2 x lcm(1..8) tokens per rank: every layout and chunk count divides it, so only what
    // does not depend on the sequence length is checked here.
    shape.seq = static_cast<std::int64_t>(std::max(1, e.key.world_size)) * 1680;
    Schedule schedule;
    for (const ParamDesc& p : schedule_params())
      if (auto v = e.params.get(p.name)) p.set(schedule, *v);
    // As when the entry is applied (cli/profile_choice.cpp): chunks only cut blocks in chunk_pipeline.
    if (schedule.overlap != Overlap::chunk_pipeline) schedule.chunks = 1;
    const auto problem = check_runnable(shape, schedule, std::max(1, e.key.world_size), backend, e.key.pass);
    if (!problem) continue;
    std::string path = "$.entries[" + std::to_string(i) + "]";
    path += problem->param != nullptr ? ".params[\"" + std::string(problem->param->name) + "\"]" : ".key";
    problems.push_back(ProfileProblem{Severity::error, file, path, problem->message});
  }
  return problems;
}

}  // namespace burst
