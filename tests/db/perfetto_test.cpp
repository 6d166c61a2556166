// Perfetto/Chrome JSON export: parses, one process per rank, one complete ("X") event per slice
// (no "B"/"E": nameless "E" events made speedscope draw a staircase), nested per track, flows from
// each send to its receive that start and end inside existing slices.
#include "db/perfetto.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "db_fixtures.hpp"

using namespace burst::db;

namespace {

using Key = std::pair<std::int64_t, std::int64_t>;  // pid, tid

struct XSlice {
  std::int64_t start = 0, end = 0;  // ns from the trial's first event (ts and ts + dur)
  std::string name;
};

std::int64_t ns(const nlohmann::json& us) {
  return std::llround(us.get<double>() * 1e3);
}

// The "X" events per track, by start; fails the test on any "B" or "E" event or a negative dur.
std::map<Key, std::vector<XSlice>> x_slices(const nlohmann::json& doc) {
  std::map<Key, std::vector<XSlice>> out;
  for (const auto& e : doc.at("traceEvents")) {
    const auto ph = e.at("ph").get<std::string>();
    EXPECT_TRUE(ph != "B" && ph != "E") << "a B/E event is left: " << e.dump();
    if (ph != "X") continue;
    EXPECT_GE(e.at("dur").get<double>(), 0.0) << e.dump();
    EXPECT_TRUE(e.contains("name") && e.contains("cat")) << e.dump();
    const std::int64_t start = ns(e.at("ts"));
    out[{e.at("pid").get<std::int64_t>(), e.at("tid").get<std::int64_t>()}].push_back(
        {start, start + ns(e.at("dur")), e.at("name").get<std::string>()});
  }
  return out;
}

// Every slice of a track lies inside the slices it overlaps that started before it (its ancestors);
// returns how many slices have a parent.
std::size_t expect_nested(const std::map<Key, std::vector<XSlice>>& tracks) {
  std::size_t children = 0;
  for (const auto& [key, slices] : tracks) {
    std::vector<XSlice> sorted = slices;
    std::stable_sort(sorted.begin(), sorted.end(), [](const XSlice& a, const XSlice& b) {
      return std::tie(a.start, b.end) < std::tie(b.start, a.end);
    });
    std::vector<std::int64_t> open;  // ends of the enclosing slices
    for (const auto& s : sorted) {
      while (!open.empty() && open.back() <= s.start) open.pop_back();
      if (!open.empty()) {
        ++children;
        EXPECT_LE(s.end, open.back())
            << s.name << " at " << s.start << " ends after its parent on tid " << key.second;
      }
      open.push_back(s.end);
    }
  }
  return children;
}

// A slice named `name` on the track whose [start, end] holds `t`.
bool inside_slice(const std::map<Key, std::vector<XSlice>>& tracks, const Key& key, std::int64_t t,
                  const std::string& name) {
  const auto it = tracks.find(key);
  if (it == tracks.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const XSlice& s) { return s.name == name && s.start <= t && t <= s.end; });
}

}  // namespace

TEST(DbPerfetto, CompleteEventsNestedWithFlows) {
  burst::test::TempDir dir;
  Database db(dir.file("t.sqlite"), true);
  const auto trial = db.begin_trial(db.begin_session("run", "{}"), "{}");
  const int world = 3, steps = 4;
  db.write_trace(trial, burst::test::synthetic_ring(world, steps, 128),
                 std::vector<burst::trace::CuptiRecords>(world, burst::test::synthetic_cupti(3)));
  const auto path = dir.file("trace.json");
  const auto stats = export_perfetto(db, trial, path);
  EXPECT_EQ(stats.flows, static_cast<std::size_t>(world * steps));

  std::ifstream in(path);
  const auto doc = nlohmann::json::parse(in);  // throws on invalid JSON
  ASSERT_TRUE(doc.contains("traceEvents"));
  const auto tracks = x_slices(doc);
  std::size_t slices = 0;
  for (const auto& [key, list] : tracks) slices += list.size();
  EXPECT_EQ(slices, stats.slices);
  EXPECT_EQ(slices, static_cast<std::size_t>(world * (1 + steps * 5) + world * (6 + 3 + 1 + 1)));
  // Per rank: steps ring steps in the forward pass, 2 * steps compute/wait in them, and steps
  // send/recv pairs that start and end together (one nests in the other).
  EXPECT_EQ(expect_nested(tracks), static_cast<std::size_t>(world * (steps + 2 * steps + steps)));
  // The forward pass of rank 0 (main thread tid 100) spans [0, steps us] from the first event.
  ASSERT_TRUE(tracks.count({0, 100}));
  const XSlice& pass = tracks.at({0, 100}).front();
  EXPECT_EQ(pass.name, "forward pass");
  EXPECT_EQ(pass.end - pass.start, steps * 1000);

  std::set<std::int64_t> pids;
  std::map<std::int64_t, int> flow_parts;
  std::size_t stream_tracks = 0;
  for (const auto& e : doc["traceEvents"]) {
    const auto ph = e.at("ph").get<std::string>();
    const Key key{e.at("pid").get<std::int64_t>(), e.at("tid").get<std::int64_t>()};
    if (ph == "M") {
      if (e["name"] == "process_name") pids.insert(key.first);
      if (e["name"] == "thread_name" && e["args"]["name"].get<std::string>().rfind("GPU", 0) == 0)
        ++stream_tracks;
    } else if (ph == "s") {
      flow_parts[e.at("id").get<std::int64_t>()] += 1;
      EXPECT_TRUE(inside_slice(tracks, key, ns(e.at("ts")), "send"))
          << "flow start outside a send: " << e.dump();
    } else if (ph == "f") {
      flow_parts[e.at("id").get<std::int64_t>()] += 10;
      EXPECT_EQ(e.at("bp"), "e");
      EXPECT_TRUE(inside_slice(tracks, key, ns(e.at("ts")), "recv"))
          << "flow end outside a recv: " << e.dump();
    }
  }
  EXPECT_EQ(pids, (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(stream_tracks, static_cast<std::size_t>(world * 2));  // streams 7 and 8
  EXPECT_EQ(flow_parts.size(), static_cast<std::size_t>(world * steps));
  for (const auto& [id, parts] : flow_parts) EXPECT_EQ(parts, 11) << "flow " << id << " lacks its s or f";
}

// A child that (from bad data) ends after its parent is clipped to the parent's end; one that ends
// before it starts gets dur 0. Parents come before their children in the file.
TEST(DbPerfetto, CrossingChildIsClippedToItsParent) {
  TrialTrace t;
  using burst::trace::Phase;
  const std::int64_t tid = (1 << 24) | 10;
  t.ranges.push_back({0, tid, 1000, 2000, Phase::ring_step, {}});
  t.ranges.push_back({0, tid, 1500, 2500, Phase::compute, {}});  // crosses the end of its parent
  t.ranges.push_back({0, tid, 3000, 2900, Phase::wait, {}});     // ends before it starts
  std::ostringstream out;
  EXPECT_EQ(write_perfetto(t, out).slices, 3u);
  const auto doc = nlohmann::json::parse(out.str());
  const auto tracks = x_slices(doc);
  ASSERT_EQ(tracks.size(), 1u);
  const auto& s = tracks.begin()->second;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].name, "ring step");
  EXPECT_EQ(s[0].start, 0);
  EXPECT_EQ(s[0].end, 1000);
  EXPECT_EQ(s[1].name, "compute");
  EXPECT_EQ(s[1].start, 500);
  EXPECT_EQ(s[1].end, 1000);  // clipped
  EXPECT_EQ(s[2].start, 2000);
  EXPECT_EQ(s[2].end, 2000);  // dur 0
  EXPECT_EQ(expect_nested(tracks), 1u);
}

TEST(DbPerfetto, FlowGoesFromSenderToReceiver) {
  TrialTrace t;
  using burst::trace::Phase;
  t.ranges.push_back({0, (1 << 24) | 10, 100, 200, Phase::send, {1, 0, 64, 0}});
  t.ranges.push_back({1, (2 << 24) | 11, 150, 300, Phase::recv, {0, 0, 64, 0}});
  t.ranges.push_back({1, (2 << 24) | 11, 400, 500, Phase::recv, {0, 1, 64, 0}});  // no matching send
  std::ostringstream out;
  const auto stats = write_perfetto(t, out);
  EXPECT_EQ(stats.flows, 1u);
  const auto doc = nlohmann::json::parse(out.str());
  int seen = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "s") {
      EXPECT_EQ(e["pid"], 0);
      EXPECT_EQ(e["tid"], 10);
      ++seen;
    }
    if (e["ph"] == "f") {
      EXPECT_EQ(e["pid"], 1);
      EXPECT_EQ(e["tid"], 11);
      EXPECT_DOUBLE_EQ(e["ts"].get<double>(), 0.05);  // 150 ns after the first event
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);
}
