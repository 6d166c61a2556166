// late_peer_waits: the rule of wait_attribution.hpp.
#include "db/wait_attribution.hpp"

#include <algorithm>
#include <tuple>
#include <vector>

namespace burst::db {
namespace {

using trace::Phase;

struct Send {
  std::int64_t start_ns = 0;
  int step = -1, chunk = -1;
};

// Start of the pass range of `rank` that contains (or last began before) time t; INT64_MIN if none.
std::int64_t pass_start(const std::vector<std::int64_t>& starts, std::int64_t t) {
  auto it = std::upper_bound(starts.begin(), starts.end(), t);
  return it == starts.begin() ? INT64_MIN : *std::prev(it);
}

}  // namespace

std::map<int, Intervals> late_peer_waits(const TrialTrace& t) {
  std::map<std::pair<int, int>, std::vector<Send>> sends;  // (sender, receiver) -> sends by start
  std::map<int, std::vector<std::int64_t>> passes;         // rank -> pass range starts
  for (const auto& r : t.ranges) {
    if (r.phase == Phase::send && r.payload.peer >= 0)
      sends[{r.rank, r.payload.peer}].push_back({r.start_ns, r.payload.step, r.payload.chunk});
    if (r.phase == Phase::pass_forward || r.phase == Phase::pass_backward)
      passes[r.rank].push_back(r.start_ns);
  }
  for (auto& [k, v] : sends)
    std::sort(v.begin(), v.end(), [](const Send& a, const Send& b) { return a.start_ns < b.start_ns; });
  for (auto& [k, v] : passes) std::sort(v.begin(), v.end());

  std::map<int, Intervals> late;
  for (const auto& w : t.ranges) {
    if (w.phase != Phase::wait || w.payload.peer < 0 || w.payload.peer == w.rank) continue;
    const auto it = sends.find({w.payload.peer, w.rank});
    if (it == sends.end()) continue;
    const std::int64_t from = pass_start(passes[w.payload.peer], w.end_ns);
    std::int64_t s = INT64_MIN;  // the latest matching send of the peer's current pass before the end
    for (const Send& x : it->second) {
      if (x.start_ns >= w.end_ns) break;
      if (x.start_ns < from || x.step != w.payload.step) continue;
      if (w.payload.chunk >= 0 && x.chunk != w.payload.chunk) continue;
      s = std::max(s, x.start_ns);
    }
    if (s > w.start_ns) late[w.rank].emplace_back(w.start_ns, s);
  }
  for (auto& [rank, v] : late) v = merge_intervals(std::move(v));
  return late;
}

}  // namespace burst::db
