// Chrome trace JSON writer (see perfetto.hpp for the layout).
#include "db/perfetto.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"

namespace burst::db {
namespace {

using nlohmann::json;

constexpr std::int64_t stream_tid_base = 1'000'000'000;

std::int64_t stream_tid(const DeviceActivity& a) {
  return stream_tid_base + a.device_id * 65536 + a.stream_id;
}

struct Slice {
  std::int64_t pid, tid, start, end;
  std::string name, cat;
  json args;
};

// Emits B/E pairs of one track's slices with a stack, so the pairs nest even when a child's
// timestamps touch (or, from bad data, cross) its parent's.
void emit_track(std::vector<Slice>& slices, double t0, json& events) {
  std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
    return std::tie(a.start, b.end) < std::tie(b.start, a.end);
  });
  std::vector<const Slice*> stack;
  std::vector<std::int64_t> ends;
  auto us = [&](std::int64_t ns) { return (static_cast<double>(ns) - t0) / 1e3; };
  auto close_top = [&] {
    const Slice* s = stack.back();
    events.push_back({{"ph", "E"}, {"pid", s->pid}, {"tid", s->tid}, {"ts", us(ends.back())}});
    stack.pop_back();
    ends.pop_back();
  };
  for (const auto& s : slices) {
    while (!stack.empty() && ends.back() <= s.start) close_top();
    const std::int64_t end = stack.empty() ? s.end : std::min(s.end, ends.back());
    json b = {{"ph", "B"},         {"pid", s.pid},   {"tid", s.tid},
              {"ts", us(s.start)}, {"name", s.name}, {"cat", s.cat}};
    if (!s.args.is_null()) b["args"] = s.args;
    events.push_back(std::move(b));
    stack.push_back(&s);
    ends.push_back(end);
  }
  while (!stack.empty()) close_top();
}

}  // namespace

PerfettoStats write_perfetto(const TrialTrace& t, std::ostream& out) {
  PerfettoStats stats;
  json events = json::array();
  std::int64_t t0_ns = std::numeric_limits<std::int64_t>::max();
  for (const auto& r : t.ranges) t0_ns = std::min(t0_ns, r.start_ns);
  for (const auto& d : t.device) t0_ns = std::min(t0_ns, d.start_ns);
  const double t0 = t0_ns == std::numeric_limits<std::int64_t>::max() ? 0.0 : static_cast<double>(t0_ns);

  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<Slice>> tracks;
  std::map<int, std::string> processes;
  for (const auto& [rank, info] : t.ranks)
    processes[rank] = "rank " + std::to_string(rank) + " (" + info.hostname + ")";
  for (const auto& r : t.ranges) {
    Slice s{r.rank,
            r.global_tid & 0xFFFFFF,
            r.start_ns,
            r.end_ns,
            std::string(trace::phase_name(r.phase)),
            std::string(trace::category_name(trace::phase_category(r.phase))),
            json()};
    if (r.payload.peer >= 0 || r.payload.bytes > 0 || r.payload.step >= 0) {
      s.args = {{"peer", r.payload.peer},
                {"step", r.payload.step},
                {"bytes", r.payload.bytes},
                {"chunk", r.payload.chunk}};
    }
    tracks[{s.pid, s.tid}].push_back(std::move(s));
    processes.try_emplace(r.rank, "rank " + std::to_string(r.rank));
  }
  std::map<std::pair<std::int64_t, std::int64_t>, std::string> stream_names;
  for (const auto& d : t.device) {
    json args = {{"correlationId", d.correlation_id}};
    if (d.bytes > 0) args["bytes"] = d.bytes;
    Slice s{d.rank, stream_tid(d), d.start_ns, d.end_ns, d.name, d.kind, args};
    stream_names[{s.pid, s.tid}] =
        "GPU " + std::to_string(d.device_id) + " stream " + std::to_string(d.stream_id);
    tracks[{s.pid, s.tid}].push_back(std::move(s));
    processes.try_emplace(d.rank, "rank " + std::to_string(d.rank));
  }
  for (const auto& [rank, name] : processes) {
    events.push_back(
        {{"ph", "M"}, {"pid", rank}, {"tid", 0}, {"name", "process_name"}, {"args", {{"name", name}}}});
    events.push_back({{"ph", "M"},
                      {"pid", rank},
                      {"tid", 0},
                      {"name", "process_sort_index"},
                      {"args", {{"sort_index", rank}}}});
  }
  for (auto& [key, slices] : tracks) {
    auto sn = stream_names.find(key);
    const std::string tname = sn != stream_names.end() ? sn->second : "thread " + std::to_string(key.second);
    events.push_back({{"ph", "M"},
                      {"pid", key.first},
                      {"tid", key.second},
                      {"name", "thread_name"},
                      {"args", {{"name", tname}}}});
    stats.slices += slices.size();
    emit_track(slices, t0, events);
  }

  // Flows: k-th send (a -> b, step, chunk) to k-th recv (on b from a, step, chunk).
  using Key = std::tuple<int, int, int, int>;  // sender, receiver, step, chunk
  std::map<Key, std::vector<const TraceRange*>> sends, recvs;
  for (const auto& r : t.ranges) {
    if (r.payload.peer < 0) continue;
    if (r.phase == trace::Phase::send)
      sends[{r.rank, r.payload.peer, r.payload.step, r.payload.chunk}].push_back(&r);
    if (r.phase == trace::Phase::recv)
      recvs[{r.payload.peer, r.rank, r.payload.step, r.payload.chunk}].push_back(&r);
  }
  auto by_start = [](const TraceRange* a, const TraceRange* b) { return a->start_ns < b->start_ns; };
  std::int64_t flow_id = 1;
  for (auto& [key, list] : sends) {
    auto it = recvs.find(key);
    if (it == recvs.end()) continue;
    std::sort(list.begin(), list.end(), by_start);
    std::sort(it->second.begin(), it->second.end(), by_start);
    for (std::size_t i = 0; i < std::min(list.size(), it->second.size()); ++i) {
      const TraceRange* s = list[i];
      const TraceRange* r = it->second[i];
      const auto us = [&](std::int64_t ns) { return (static_cast<double>(ns) - t0) / 1e3; };
      events.push_back({{"ph", "s"},
                        {"id", flow_id},
                        {"pid", s->rank},
                        {"tid", s->global_tid & 0xFFFFFF},
                        {"ts", us(s->start_ns)},
                        {"name", "transfer"},
                        {"cat", "flow"}});
      events.push_back({{"ph", "f"},
                        {"bp", "e"},
                        {"id", flow_id},
                        {"pid", r->rank},
                        {"tid", r->global_tid & 0xFFFFFF},
                        {"ts", us(std::max(r->start_ns, s->start_ns))},
                        {"name", "transfer"},
                        {"cat", "flow"}});
      ++flow_id;
      ++stats.flows;
    }
  }
  json doc = {{"traceEvents", std::move(events)},
              {"displayTimeUnit", "ns"},
              {"otherData", {{"trial", t.trial_id}, {"status", t.status}}}};
  out << doc.dump() << '\n';
  return stats;
}

PerfettoStats export_perfetto(const Database& db, std::int64_t trial_id, const std::string& path) {
  const auto trace = load_trial_trace(db, trial_id);
  std::ostringstream text;
  auto stats = write_perfetto(trace, text);
  write_file_atomically(path, text.str());  // the whole file or the previous one, never a part
  return stats;
}

}  // namespace burst::db
