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

// Microseconds from the trial's first event (the unit of "ts" and "dur").
double us(std::int64_t ns, double t0) {
  return (static_cast<double>(ns) - t0) / 1e3;
}

struct Slice {
  std::int64_t pid, tid, start, end;
  std::string name, cat;
  json args;
};

// One complete event ("X": ts and dur) per slice, parents before children (by start, the longer
// first), as torch.profiler and nsys write them; "E" events without a name made speedscope draw a
// staircase. A child's end is clipped to its parent's so the slices nest even when a child's
// timestamps touch (or, from bad data, cross) its parent's.
void emit_track(std::vector<Slice>& slices, double t0, json& events) {
  std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
    return std::tie(a.start, b.end) < std::tie(b.start, a.end);
  });
  std::vector<std::int64_t> ends;  // of the slices enclosing the next one, innermost last
  for (const auto& s : slices) {
    while (!ends.empty() && ends.back() <= s.start) ends.pop_back();
    const std::int64_t end = std::max(s.start, ends.empty() ? s.end : std::min(s.end, ends.back()));
    json x = {{"ph", "X"},
              {"pid", s.pid},
              {"tid", s.tid},
              {"ts", us(s.start, t0)},
              {"dur", static_cast<double>(end - s.start) / 1e3},
              {"name", s.name},
              {"cat", s.cat}};
    if (!s.args.is_null()) x["args"] = s.args;
    events.push_back(std::move(x));
    ends.push_back(end);
  }
}

using TrackKey = std::pair<std::int64_t, std::int64_t>;  // pid, tid

// The slices of every track, the process names and the GPU stream tracks' names.
struct Tracks {
  std::map<TrackKey, std::vector<Slice>> slices;
  std::map<int, std::string> processes;
  std::map<TrackKey, std::string> stream_names;
};

Tracks collect_tracks(const TrialTrace& t) {
  Tracks out;
  for (const auto& [rank, info] : t.ranks)
    out.processes[rank] = "rank " + std::to_string(rank) + " (" + info.hostname + ")";
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
    out.slices[{s.pid, s.tid}].push_back(std::move(s));
    out.processes.try_emplace(r.rank, "rank " + std::to_string(r.rank));
  }
  for (const auto& d : t.device) {
    json args = {{"correlationId", d.correlation_id}};
    if (d.bytes > 0) args["bytes"] = d.bytes;
    Slice s{d.rank, stream_tid(d), d.start_ns, d.end_ns, d.name, d.kind, args};
    out.stream_names[{s.pid, s.tid}] =
        "GPU " + std::to_string(d.device_id) + " stream " + std::to_string(d.stream_id);
    out.slices[{s.pid, s.tid}].push_back(std::move(s));
    out.processes.try_emplace(d.rank, "rank " + std::to_string(d.rank));
  }
  return out;
}

void emit_processes(const std::map<int, std::string>& processes, json& events) {
  for (const auto& [rank, name] : processes) {
    events.push_back(
        {{"ph", "M"}, {"pid", rank}, {"tid", 0}, {"name", "process_name"}, {"args", {{"name", name}}}});
    events.push_back({{"ph", "M"},
                      {"pid", rank},
                      {"tid", 0},
                      {"name", "process_sort_index"},
                      {"args", {{"sort_index", rank}}}});
  }
}

// Flows: k-th send (a -> b, step, chunk) to k-th recv (on b from a, step, chunk). The start ("s")
// lies at the send's start, inside the send slice; the end ("f", "bp":"e": bound to the slice that
// encloses it, not to the next one) at the later of the two starts, kept inside the recv slice.
std::size_t emit_flows(const TrialTrace& t, double t0, json& events) {
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
    for (std::size_t i = 0; i < std::min(list.size(), it->second.size()); ++i, ++flow_id) {
      const TraceRange* s = list[i];
      const TraceRange* r = it->second[i];
      const std::int64_t end_ns = std::max(r->start_ns, std::min(s->start_ns, r->end_ns));
      events.push_back({{"ph", "s"},
                        {"id", flow_id},
                        {"pid", s->rank},
                        {"tid", s->global_tid & 0xFFFFFF},
                        {"ts", us(s->start_ns, t0)},
                        {"name", "transfer"},
                        {"cat", "flow"}});
      events.push_back({{"ph", "f"},
                        {"bp", "e"},
                        {"id", flow_id},
                        {"pid", r->rank},
                        {"tid", r->global_tid & 0xFFFFFF},
                        {"ts", us(end_ns, t0)},
                        {"name", "transfer"},
                        {"cat", "flow"}});
    }
  }
  return static_cast<std::size_t>(flow_id - 1);
}

}  // namespace

PerfettoStats write_perfetto(const TrialTrace& t, std::ostream& out) {
  PerfettoStats stats;
  json events = json::array();
  std::int64_t t0_ns = std::numeric_limits<std::int64_t>::max();
  for (const auto& r : t.ranges) t0_ns = std::min(t0_ns, r.start_ns);
  for (const auto& d : t.device) t0_ns = std::min(t0_ns, d.start_ns);
  const double t0 = t0_ns == std::numeric_limits<std::int64_t>::max() ? 0.0 : static_cast<double>(t0_ns);

  Tracks tracks = collect_tracks(t);
  emit_processes(tracks.processes, events);
  for (auto& [key, slices] : tracks.slices) {
    auto sn = tracks.stream_names.find(key);
    const std::string tname =
        sn != tracks.stream_names.end() ? sn->second : "thread " + std::to_string(key.second);
    events.push_back({{"ph", "M"},
                      {"pid", key.first},
                      {"tid", key.second},
                      {"name", "thread_name"},
                      {"args", {{"name", tname}}}});
    stats.slices += slices.size();
    emit_track(slices, t0, events);
  }
  stats.flows = emit_flows(t, t0, events);
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
