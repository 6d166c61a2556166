#include "tuner/trace_gather.hpp"

#include "burst/error.hpp"

namespace burst::tuner {

std::vector<trace::RankTrace> gather_events(Communicator& comm, const trace::RankTrace& mine, int root) {
  auto parts = comm.gather(trace::serialise(mine), root);
  std::vector<trace::RankTrace> out;
  if (comm.rank() != root) return out;
  BURST_CHECK(static_cast<int>(parts.size()) == comm.size(), "gather returned a part per rank");
  const std::int64_t root_offset = mine.realtime_offset_ns;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    trace::RankTrace t = trace::deserialise(parts[i]);
    // Same UTC instant on both clocks: t_root = t_rank + offset_rank - offset_root.
    // Ranks of this very process share the clock exactly.
    const bool same_process = t.os_pid == mine.os_pid && t.hostname == mine.hostname;
    const std::int64_t shift = same_process ? 0 : t.realtime_offset_ns - root_offset;
    for (auto& e : t.events) {
      e.start_ns += shift;
      e.end_ns += shift;
      e.rank = t.rank;
    }
    t.realtime_offset_ns = root_offset;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace burst::tuner
