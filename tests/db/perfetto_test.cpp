// Perfetto/Chrome JSON export: parses, one process per rank, balanced B/E per track with
// non-decreasing timestamps, flows from each send to its receive.
#include "db/perfetto.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "db_fixtures.hpp"

using namespace burst::db;

TEST(DbPerfetto, ParsesBalancedWithFlows) {
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
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<double>> open;  // track -> stack of B ts
  std::map<std::pair<std::int64_t, std::int64_t>, double> last_ts;
  std::set<std::int64_t> pids;
  std::map<std::int64_t, int> flow_parts;
  std::size_t begins = 0, stream_tracks = 0;
  for (const auto& e : doc["traceEvents"]) {
    const auto ph = e.at("ph").get<std::string>();
    const std::pair key{e.at("pid").get<std::int64_t>(), e.at("tid").get<std::int64_t>()};
    if (ph == "M") {
      if (e["name"] == "process_name") pids.insert(key.first);
      if (e["name"] == "thread_name" && e["args"]["name"].get<std::string>().rfind("GPU", 0) == 0)
        ++stream_tracks;
      continue;
    }
    const double ts = e.at("ts").get<double>();
    if (ph == "B" || ph == "E") {
      if (last_ts.count(key)) {
        EXPECT_LE(last_ts[key], ts) << "timestamps go back on a track";
      }
      last_ts[key] = ts;
    }
    if (ph == "B") {
      ++begins;
      open[key].push_back(ts);
    } else if (ph == "E") {
      ASSERT_FALSE(open[key].empty()) << "E without B on pid " << key.first << " tid " << key.second;
      EXPECT_LE(open[key].back(), ts);
      open[key].pop_back();
    } else if (ph == "s") {
      flow_parts[e.at("id").get<std::int64_t>()] += 1;
    } else if (ph == "f") {
      flow_parts[e.at("id").get<std::int64_t>()] += 10;
      EXPECT_EQ(e.at("bp"), "e");
    }
  }
  for (const auto& [key, stack] : open) EXPECT_TRUE(stack.empty()) << "unclosed B on tid " << key.second;
  EXPECT_EQ(pids, (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(begins, stats.slices);
  EXPECT_EQ(begins, static_cast<std::size_t>(world * (1 + steps * 5) + world * (6 + 3 + 1 + 1)));
  EXPECT_EQ(stream_tracks, static_cast<std::size_t>(world * 2));  // streams 7 and 8
  EXPECT_EQ(flow_parts.size(), static_cast<std::size_t>(world * steps));
  for (const auto& [id, parts] : flow_parts) EXPECT_EQ(parts, 11) << "flow " << id << " lacks its s or f";
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
