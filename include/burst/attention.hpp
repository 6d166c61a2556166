// libburst's public C++ API: BurstAttention forward and backward over a ring of ranks.
//
// Every tensor handed to BurstAttention is this rank's shard in its layout's local order (see
// burst/shard.hpp to go from global order and back), BSHD, contiguous, in the shape's dtype unless
// stated otherwise:
//   q, o, dout, dq : (B, n, H, d)       k, v, dk, dv : (B, n, Hkv, d)
//   lse            : (B, H, n) float32  with n = N / G tokens per rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "burst/communicator.hpp"
#include "burst/params.hpp"
#include "burst/profile.hpp"
#include "burst/schedule.hpp"
#include "burst/types.hpp"

namespace burst {

// What one pass did on this rank.
struct PassStats {
  std::uint64_t bytes_sent = 0;  // payload bytes this rank sent in the pass
  std::uint64_t messages_sent = 0;
  double seconds = 0.0;  // wall time of the pass on this rank
};

// Why a (shape, schedule, world) cannot run, found before anything runs: a parameter outside the
// parameter table's allowed values, a shape or world the ring cannot split, or no kernel variant in
// the registry that can implement a pass (its can_implement reason). `param` names the parameter
// table entry at fault (nullptr when the shape or the world is), so the CLI can name its flag and
// the profile validator its JSON path.
struct RunProblem {
  enum class Stage : std::uint8_t { shape, parameter, ring, kernel };  // which check refused
  const ParamDesc* param = nullptr;
  std::string message;  // "kernel.tile_q 24: expected 16..256, multiple of 16"
  Stage stage = Stage::shape;
};

// The kernel variants (registry names) that will run each pass of a runnable schedule.
struct KernelPlan {
  std::string forward;   // "cpu_tiled"
  std::string backward;  // "cpu_tiled"
};

// nullopt when the op can run on `backend`, else the first problem. Pass::fwd checks only the
// forward kernel; bwd and fwd+bwd check both (the backward needs the forward's statistics).
std::optional<RunProblem> check_runnable(const AttentionShape& shape, const Schedule& schedule,
                                         int world_size, Backend backend = Backend::cpu,
                                         Pass pass = Pass::fwd_bwd);
// The variants that will run, or InvalidArgument with check_runnable's message.
KernelPlan plan_kernels(const AttentionShape& shape, const Schedule& schedule, int world_size,
                        Backend backend = Backend::cpu, Pass pass = Pass::fwd_bwd);
// check_runnable for both passes on the CPU backend; throws burst::InvalidArgument with its message.
void validate(const AttentionShape& shape, const Schedule& schedule, int world_size);

// The runnability of every entry of a profile that read without errors: each entry's parameters
// against the kernel registry for the entry's backend (the fingerprint's), for a sequence length
// every layout and chunk count divides. Problems name the JSON path of the parameter at fault
// ($.entries[2].params["kernel.tile_q"]); entries of a backend this build cannot drive are skipped.
std::vector<ProfileProblem> check_profile_runnable(const Profile& profile, const std::string& file);

// Ring steps that hold visible work under the shape's mask (docs/algorithm.md, "Masks"): with K/V
// travelling (the forward, the kv backward) when keys_travel, with Q travelling (the q backward)
// otherwise. The world size unless the mask leaves every later step empty on every rank; at least
// 2 with several ranks (the backward's accumulators then still make one hop away and one home).
int ring_steps(const AttentionShape& shape, const Schedule& schedule, int world_size, bool keys_travel);

// Visible (query, key) pairs of one batch entry and head between the queries rank q_rank holds and
// the keys rank k_rank holds, under the shape's mask and the layout (world ranks of seq / world
// tokens each). Results are cached: the cost model asks for the same pairs many times.
double block_pairs(const AttentionShape& shape, Layout layout, int world, int q_rank, int k_rank);
// The work imbalance of a layout under the mask: max over ranks / mean of the visible pairs of
// each rank's queries (1 = balanced; world = all on one rank).
double work_imbalance(const AttentionShape& shape, Layout layout, int world);

// Exact bytes one rank sends per pass (docs/algorithm.md); identical on every rank. With S ring
// steps (ring_steps), S - 1 blocks travel and S accumulator hops.
std::uint64_t forward_bytes_per_rank(const AttentionShape& shape, const Schedule& schedule, int world_size);
std::uint64_t backward_bytes_per_rank(const AttentionShape& shape, const Schedule& schedule, int world_size);

// Attention FLOPs of the global problem: forward 4*B*H*d * (visible pairs: the mask's real area,
// AttentionShape::mask_area, N^2 for full and N(N+1)/2 for causal), backward 2.5x.
double forward_flops(const AttentionShape& shape);
double backward_flops(const AttentionShape& shape);

// How a world's ranks were launched, part of a profile entry's key (docs/profiles.md): threads of
// one process (the `local` communicator) or one process per rank (MPI, NCCL, torch.distributed).
Launch launch_of(const Communicator& world) noexcept;

// The schedule a call gets from the tuned profiles, and why.
struct ScheduleChoice {
  Schedule schedule;                           // the entry's parameters over the defaults
  std::shared_ptr<const Selection> selection;  // which entry (or the defaults) and the warnings
  Fingerprint fingerprint;                     // this system, as every rank of `world` sees it
};

// Selects the schedule for `shape` on `world` from `profile_path` (a search path as BURST_PROFILE
// takes it) or, when it is empty, from BURST_PROFILE / BURST_PROFILE_POLICY. Collective: every rank
// of `world` calls it, in the same order (the fingerprint's node count needs every rank's host; it
// is detected once per process and world size). The choice is the same on every rank.
ScheduleChoice choose_schedule(Communicator& world, const AttentionShape& shape, Pass pass = Pass::fwd_bwd,
                               Backend backend = Backend::cpu, const std::string& profile_path = {});

class BurstAttention {
 public:
  BurstAttention(Communicator& comm, const AttentionShape& shape, const Schedule& schedule);
  ~BurstAttention();
  BurstAttention(const BurstAttention&) = delete;
  BurstAttention& operator=(const BurstAttention&) = delete;

  // o (input dtype) and lse (float32) are written; nothing else is kept between passes.
  PassStats forward(const void* q, const void* k, const void* v, void* o, float* lse);
  // dq, dk, dv (input dtype) are written from the saved o and lse.
  PassStats backward(const void* q, const void* k, const void* v, const void* o, const float* lse,
                     const void* dout, void* dq, void* dk, void* dv);

  const AttentionShape& shape() const;
  const Schedule& schedule() const;
  std::int64_t local_seq() const;  // n = N / G

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace burst
