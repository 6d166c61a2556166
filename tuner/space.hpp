// The search space of `burst-tune tune`: the parameter table (burst/params.hpp) for one workload on the
// active backend, the constraints that prune it before anything runs, and the rule that picks a
// winner among measured candidates (ties go to the simpler/default configuration).
//
//   Workload  -- one (shape, pass, world) to tune; one per --seq value (a profile bucket)
//   Candidate -- one point of the space: a Schedule plus the CUDA launch shape
//   SearchSpace = Dimensions (name -> values) x constraints -> candidates + pruned (with reasons)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "burst/attention.hpp"
#include "burst/types.hpp"

namespace burst::tuner {

struct Workload {
  std::string name;  // preset name or "custom"
  AttentionShape shape;
  Pass pass = Pass::fwd;
  int world = 1;           // ranks
  int ranks_per_node = 1;  // from the detected world (1 group when all ranks share a node)
  Backend backend = Backend::cpu;
  nlohmann::json to_json() const;
  static Workload from_json(const nlohmann::json& j);  // throws InvalidArgument
  std::string label() const;                           // "llama3-8b N=4096 fwd+bwd causal bf16 world 4"
  double flops() const;  // attention FLOPs of one call of the tuned pass(es) (docs/algorithm.md)
};

// Parameter names: the parameter table's (burst/params.hpp).
using burst::param_accum_dtype;
using burst::param_bwd_comm;
using burst::param_chunks;
using burst::param_cp_method;
using burst::param_group_size;
using burst::param_layout;
using burst::param_overlap;
using burst::param_stages;
using burst::param_tile_kv;
using burst::param_tile_q;
using burst::param_topology;
using burst::param_ulysses_degree;
using burst::param_warps;

struct Candidate {
  Schedule schedule;  // its warps/stages are the CUDA launch shape, 0 on the CPU backend

  // Canonical "kernel.tile_q=64,kernel.tile_kv=64,ring.overlap=none,..." (stable across runs:
  // resume and replay match candidates by it).
  std::string key() const;
  nlohmann::json to_json() const;                       // {"kernel.tile_q": 64, "ring.overlap": "none", ...}
  static Candidate from_json(const nlohmann::json& j);  // throws InvalidArgument
  // The value of one parameter as text ("64", "chunk_pipeline"); "" for an unknown name.
  std::string value(std::string_view param) const;
  // How many parameters differ from the default candidate (0 for the default itself).
  int complexity() const;
  bool is_default() const { return complexity() == 0; }
};
Candidate default_candidate();

struct Dimension {
  std::string name;                 // "ring.overlap"
  std::vector<std::string> values;  // as text, in the order tried
};

struct PrunedCandidate {
  Candidate candidate;
  std::string reason;  // "ring.chunks=8: chunk_pipeline needs n % 8 == 0, n = 12"
  std::string constraint =
      "";  // which declared constraint: runtime, kernel, tile size, redundant, topology, memory
};

struct SpaceOptions {
  // Restrict a dimension to given values (CLI --space ring.overlap=none,double_buffer); a value
  // outside the dimension's domain is an InvalidArgument.
  std::vector<std::pair<std::string, std::vector<std::string>>> restrict;
  bool allow_lossy = false;              // also search ring.accum_dtype=input (opt-in: it changes numerics)
  std::uint64_t memory_limit_bytes = 0;  // per rank; 0: detect
};

struct SearchSpace {
  Workload workload;
  std::vector<Dimension> dims;
  std::size_t raw_size = 0;             // product of the dimension sizes
  std::vector<Candidate> candidates;    // valid ones, default first
  std::vector<PrunedCandidate> pruned;  // with reasons
};

SearchSpace build_space(const Workload& workload, const SpaceOptions& options = {});

// The measured figure of one candidate as strategies and the winner rule see it.
struct Measurement {
  bool ok = false;
  std::string status;   // "ok", "failed", "stopped_early"
  std::string failure;  // reason when not ok
  double median_s = 0;  // critical path (slowest rank) median per call
  double noise = 0;     // relative noise of the median
  int samples = 0;
};

// Index of the winner among `measured` (parallel to `candidates`): the fastest ok one, except that
// candidates whose time ties with it (|t - t_best| <= max(noise_best * t_best, noise * t), the same
// rule as profile merging) are resolved in favour of the default, then the least complex, then the
// fastest. nullopt when nothing is ok.
std::optional<std::size_t> choose_winner(const std::vector<Candidate>& candidates,
                                         const std::vector<Measurement>& measured);

}  // namespace burst::tuner
