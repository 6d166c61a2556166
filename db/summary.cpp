// Per-rank/per-phase totals, exposed communication and bytes per link class for `show`.
#include "db/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "base/text.hpp"
#include "db/wait_attribution.hpp"

namespace burst::db {

Intervals merge_intervals(Intervals v) {
  std::sort(v.begin(), v.end());
  Intervals out;
  for (const auto& iv : v) {
    if (iv.second <= iv.first) continue;
    if (!out.empty() && iv.first <= out.back().second) {
      out.back().second = std::max(out.back().second, iv.second);
    } else {
      out.push_back(iv);
    }
  }
  return out;
}

Intervals intersect(const Intervals& a, const Intervals& b) {
  Intervals out;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const auto lo = std::max(a[i].first, b[j].first);
    const auto hi = std::min(a[i].second, b[j].second);
    if (lo < hi) out.emplace_back(lo, hi);
    (a[i].second < b[j].second) ? ++i : ++j;
  }
  return out;
}

std::int64_t total_length(const Intervals& merged) {
  std::int64_t n = 0;
  for (const auto& iv : merged) n += iv.second - iv.first;
  return n;
}

namespace {
std::string link_class(const TrialTrace& t, int from, int to) {
  auto a = t.ranks.find(from), b = t.ranks.find(to);
  if (a == t.ranks.end() || b == t.ranks.end()) return "unknown";
  if (a->second.hostname != b->second.hostname) return "inter-node";
  return a->second.os_pid == b->second.os_pid ? "same-process" : "intra-node";
}
}  // namespace

TrialSummary summarise(const TrialTrace& t) {
  using trace::Phase;
  TrialSummary s;
  s.trial_id = t.trial_id;
  s.status = t.status;
  std::map<std::pair<int, int>, PhaseTotal> phases;
  std::map<int, Intervals> pass, comm, compute, all;
  std::map<int, RankSummary> ranks;
  std::map<std::pair<int, std::string>, LinkBytes> links;
  for (const auto& r : t.ranges) {
    auto& p = phases[{r.rank, static_cast<int>(r.phase)}];
    p.rank = r.rank;
    p.phase = std::string(trace::phase_name(r.phase));
    ++p.count;
    p.total_s += static_cast<double>(r.end_ns - r.start_ns) * 1e-9;
    const std::pair iv{r.start_ns, r.end_ns};
    all[r.rank].push_back(iv);
    switch (r.phase) {
      case Phase::pass_forward:
      case Phase::pass_backward:
        pass[r.rank].push_back(iv);
        break;
      case Phase::send:
      case Phase::recv:
      case Phase::wait:
        comm[r.rank].push_back(iv);
        break;
      case Phase::compute:
      case Phase::merge:
      case Phase::delta:
        compute[r.rank].push_back(iv);
        break;
      default:
        break;
    }
    ranks[r.rank].rank = r.rank;
    if (r.phase == Phase::send) {
      ranks[r.rank].bytes_sent += r.payload.bytes;
      const auto cls = link_class(t, r.rank, r.payload.peer);
      auto& l = links[{r.rank, cls}];
      l.rank = r.rank;
      l.link_class = cls;
      ++l.sends;
      l.bytes += r.payload.bytes;
    }
  }
  const std::map<int, Intervals> late = late_peer_waits(t);
  for (auto& [rank, rs] : ranks) {
    Intervals T = merge_intervals(pass[rank]);
    if (T.empty()) {
      const auto a = merge_intervals(all[rank]);
      if (!a.empty()) T = {{a.front().first, a.back().second}};
    }
    const Intervals C = intersect(merge_intervals(comm[rank]), T);
    const Intervals K = merge_intervals(compute[rank]);
    const auto t_ns = total_length(T);
    const auto c_ns = total_length(C);
    const auto exposed_ns = c_ns - total_length(intersect(C, K));
    rs.pass_s = static_cast<double>(t_ns) * 1e-9;
    rs.comm_s = static_cast<double>(c_ns) * 1e-9;
    rs.exposed_s = static_cast<double>(exposed_ns) * 1e-9;
    rs.exposed_fraction = t_ns > 0 ? static_cast<double>(exposed_ns) / static_cast<double>(t_ns) : 0.0;
    const auto l = late.find(rank);
    const Intervals L = l == late.end() ? Intervals{} : intersect(l->second, T);
    const auto late_ns = total_length(L) - total_length(intersect(L, K));
    rs.late_peer_s = static_cast<double>(late_ns) * 1e-9;
    rs.not_overlapped_s = static_cast<double>(exposed_ns - late_ns) * 1e-9;
    rs.late_peer_fraction = t_ns > 0 ? static_cast<double>(late_ns) / static_cast<double>(t_ns) : 0.0;
    rs.not_overlapped_fraction =
        t_ns > 0 ? static_cast<double>(exposed_ns - late_ns) / static_cast<double>(t_ns) : 0.0;
    const auto bytes = static_cast<double>(rs.bytes_sent);
    rs.achieved_gbps = t_ns > 0 ? bytes / static_cast<double>(t_ns) : 0.0;  // bytes/ns == GB/s
    rs.link_gbps = c_ns > 0 ? bytes / static_cast<double>(c_ns) : 0.0;
    s.ranks.push_back(rs);
  }
  for (auto& [k, p] : phases) s.phases.push_back(p);
  for (auto& [k, l] : links) s.links.push_back(l);
  std::map<std::string, KernelTotal> kernels;
  for (const auto& d : t.device) {
    if (d.kind != "kernel") continue;
    auto& k = kernels[d.name];
    k.name = d.name;
    ++k.count;
    k.total_s += static_cast<double>(d.end_ns - d.start_ns) * 1e-9;
  }
  for (auto& [n, k] : kernels) s.kernels.push_back(k);
  std::sort(s.kernels.begin(), s.kernels.end(), [](auto& a, auto& b) { return a.total_s > b.total_s; });
  return s;
}

std::string format_summary(const TrialSummary& s) {
  // Names come from the database: control characters in them are escaped (text::printable), so a
  // crafted file cannot drive the terminal.
  std::string out = fmt::format("trial {} ({})\n\n", s.trial_id, text::printable(s.status));
  out += fmt::format("{:>4}  {:<14} {:>8} {:>12}\n", "rank", "phase", "count", "total ms");
  for (const auto& p : s.phases) {
    out += fmt::format("{:>4}  {:<14} {:>8} {:>12.3f}\n", p.rank, text::printable(p.phase), p.count,
                       p.total_s * 1e3);
  }
  // exposed = waiting for a late peer (load imbalance) + communication not overlapped (in flight).
  out += fmt::format("\n{:>4}  {:>10} {:>10} {:>11} {:>9} {:>10} {:>15} {:>12} {:>10} {:>10}\n", "rank",
                     "pass ms", "comm ms", "exposed ms", "exposed", "late peer", "not overlapped",
                     "bytes sent", "GB/s", "link GB/s");
  for (const auto& r : s.ranks) {
    out += fmt::format(
        "{:>4}  {:>10.3f} {:>10.3f} {:>11.3f} {:>8.1f}% {:>9.1f}% {:>14.1f}% {:>12} {:>10.3f} {:>10.3f}\n",
        r.rank, r.pass_s * 1e3, r.comm_s * 1e3, r.exposed_s * 1e3, r.exposed_fraction * 100,
        r.late_peer_fraction * 100, r.not_overlapped_fraction * 100, r.bytes_sent, r.achieved_gbps,
        r.link_gbps);
  }
  if (!s.links.empty()) {
    out += fmt::format("\n{:>4}  {:<14} {:>8} {:>14}\n", "rank", "link class", "sends", "bytes");
    for (const auto& l : s.links)
      out += fmt::format("{:>4}  {:<14} {:>8} {:>14}\n", l.rank, text::printable(l.link_class), l.sends,
                         l.bytes);
  }
  if (!s.kernels.empty()) {
    out += fmt::format("\n{:<40} {:>8} {:>12}\n", "kernel", "count", "total ms");
    for (const auto& k : s.kernels)
      out += fmt::format("{:<40} {:>8} {:>12.3f}\n", text::printable(k.name), k.count, k.total_s * 1e3);
  }
  return out;
}

}  // namespace burst::db
