#include "runtime/ring_schedule.hpp"

#include <string>

#include "burst/error.hpp"

namespace burst::runtime {
namespace {
int mod(int a, int m) {
  return ((a % m) + m) % m;
}
}  // namespace

RingSchedule::RingSchedule(Topology topology, int world, int group_size, int steps)
    : world_(world), steps_(steps == 0 ? world : steps) {
  BURST_REQUIRE(world >= 1, "world size must be at least 1");
  BURST_REQUIRE(steps_ >= 1 && steps_ <= world,
                "ring steps " + std::to_string(steps) + " must be in 1.." + std::to_string(world));
  if (topology == Topology::flat || group_size == 0 || group_size == world) {
    groups_ = 1;
    group_size_ = world;
    return;
  }
  BURST_REQUIRE(
      group_size > 0 && world % group_size == 0,
      "group size " + std::to_string(group_size) + " must divide the world size " + std::to_string(world));
  group_size_ = group_size;
  groups_ = world / group_size;
}

int RingSchedule::block_at(int rank, int step) const {
  const int L = group_size_, I = groups_;
  const int g = rank / L, l = rank % L, t = step / L, u = step % L;
  return mod(g - t, I) * L + mod(l - u, L);
}

int RingSchedule::holder(int block, int step) const {
  const int L = group_size_, I = groups_;
  const int g = block / L, l = block % L, t = step / L, u = step % L;
  return mod(g + t, I) * L + mod(l + u, L);
}

std::vector<BlockSend> RingSchedule::block_sends(int rank, int step) const {
  const int L = group_size_, I = groups_;
  const int g = rank / L, l = rank % L, t = step / L, u = step % L;
  std::vector<BlockSend> out;
  if (u < L - 1 && step + 1 < steps_) out.push_back({g * L + mod(l + 1, L), step + 1});
  if (u == 0 && t < I - 1 && (t + 1) * L < steps_) out.push_back({mod(g + 1, I) * L + l, (t + 1) * L});
  return out;
}

int RingSchedule::block_source(int rank, int step) const {
  BURST_CHECK(step >= 1 && step < steps_, "no source at this step");
  const int L = group_size_, I = groups_;
  const int g = rank / L, l = rank % L, u = step % L;
  if (u == 0) return mod(g - 1, I) * L + l;  // seed of a new round, over the slow link
  return g * L + mod(l - 1, L);
}

}  // namespace burst::runtime
