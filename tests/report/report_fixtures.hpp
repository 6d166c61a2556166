// A tuning database built through db::Database exactly as docs/tuning-records.md describes `tune`
// writing it, with figures known by construction:
//
//   session 1  `burst-tune trace` (one trial, no "kind")
//   session 2  `burst-tune tune`, job 1 (complete), two workloads:
//     A  N=512 world 2: overlap {none, double_buffer, chunk_pipeline} x chunks {1, 2}, tiles 64x64
//        default (none, 1) 2.0 ms; winner (double_buffer, 2) 1.5 ms -> speedup 4/3;
//        (chunk_pipeline, 2) failed, (chunk_pipeline, 8) pruned, (none, 2) stopped early;
//        the winner has a trace: imbalanced_ring (rank 0 waits for rank 1, which computes longer:
//        rank 0 15% late peer + 15% not overlapped, rank 1 10% not overlapped);
//        tune_results holds A's winner/default.
//     B  N=1024 world 2: default 4.0 ms, (double_buffer, 1) 3.6 ms; no tune_results row, no trace.
//   session 3  another `burst-tune trace` (so "latest session with tuning trials" != latest session)
//
// make_halving_db: a halving job whose brief rung flatters chunk_pipeline (see there).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "db/db_fixtures.hpp"

namespace burst::test {

struct TuningFixture {
  std::int64_t tune_session = 0, trace_session_first = 0, trace_session_last = 0;
  std::int64_t winner_a = 0, default_a = 0, failed_a = 0, pruned_a = 0, stopped_a = 0;
  std::int64_t winner_b = 0, default_b = 0;
};

inline const char* fixture_fingerprint() {
  return R"({"backend":"cpu","compute_capability":"","cpu_cores":2,"cpu_model":"Test CPU 9000","cuda_version":"",)"
         R"("driver_version":"","gpu_count":0,"gpu_model":"","link_classes":[],"nccl_version":"","nodes":1,)"
         R"("ranks_per_node":2,"sm_count":0})";
}

inline nlohmann::json fixture_candidate(const std::string& overlap, int chunks) {
  return {{"kernel.tile_q", 64},   {"kernel.tile_kv", 64},        {"ring.overlap", overlap},
          {"ring.chunks", chunks}, {"ring.topology", "flat"},     {"ring.group_size", 0},
          {"ring.bwd_comm", "q"},  {"ring.layout", "contiguous"}, {"ring.accum_dtype", "fp32"}};
}

inline std::string candidate_key(const nlohmann::json& c) {
  std::string k;
  for (const auto& [name, v] : c.items())
    k += (k.empty() ? "" : ",") + name + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return k;
}

// Two ranks, one forward pass [0, 4000) ns of 4 steps of 1000 ns; per step (o = 1000 s):
//   rank 0: compute [o, o+500), sends to 1 at [o+400, o+420), waits for rank 1 [o+500, o+800)
//   rank 1: compute [o, o+700), sends to 0 at [o+650, o+670), waits for rank 0 [o+700, o+800)
// (recvs posted at [o, o+300); sends and recvs on a second thread, under compute). Rank 1's send of what rank
// 0 awaits starts at o+650: rank 0 waits 150 ns for a late peer, then 150 ns for the transfer. Rank 0's send
// started long before rank 1 waits: its 100 ns are all transfer.
inline std::vector<trace::RankTrace> imbalanced_ring(std::int64_t base = 1'000'000) {
  using trace::Phase;
  std::vector<trace::RankTrace> out;
  for (int r = 0; r < 2; ++r) {
    trace::RankTrace t;
    t.rank = r;
    t.os_pid = 1234u;
    t.hostname = "node0";
    const auto main_tid = static_cast<std::uint32_t>(100 + r), comm_tid = static_cast<std::uint32_t>(200 + r);
    auto add = [&](std::int64_t a, std::int64_t b, std::uint32_t tid, int depth, Phase p,
                   trace::RangePayload pl = {}) {
      t.events.push_back({base + a, base + b, tid, r, depth, p, pl});
    };
    const int peer = 1 - r;
    const std::int64_t compute = r == 0 ? 500 : 700, send_at = r == 0 ? 400 : 650;
    add(0, 4000, main_tid, 0, Phase::pass_forward);
    for (int s = 0; s < 4; ++s) {
      const std::int64_t o = s * 1000;
      add(o, o + compute, main_tid, 1, Phase::compute);
      add(o + compute, o + 800, main_tid, 1, Phase::wait, {peer, s + 1, 0, 0});
      add(o, o + 300, comm_tid, 0, Phase::recv, {peer, s + 1, 4096, 0});
      add(o + send_at, o + send_at + 20, comm_tid, 0, Phase::send, {peer, s + 1, 4096, 0});
    }
    out.push_back(std::move(t));
  }
  return out;
}

inline std::int64_t add_trace_trial(db::Database& db, std::int64_t session) {
  const nlohmann::json config = {{"backend", "cpu"},
                                 {"pass", "fwd"},
                                 {"world", 2},
                                 {"iters", 3},
                                 {"warmup", 0},
                                 {"shape",
                                  {{"batch", 1},
                                   {"seq", 256},
                                   {"heads", 2},
                                   {"kv_heads", 2},
                                   {"head_dim", 32},
                                   {"dtype", "fp32"},
                                   {"causal", false}}}};
  const auto t = db.begin_trial(session, config.dump());
  db.add_samples(t, 0, {0.0010, 0.0011, 0.0012});
  db.add_samples(t, 1, {0.0011, 0.0010, 0.0013});
  db.write_trace(t, synthetic_ring(2, 4, 4096));
  db.finish_trial(t, "ok", "", R"({"backend":"cpu"})");
  return t;
}

inline TuningFixture make_tuning_db(const std::string& path) {
  using nlohmann::json;
  TuningFixture f;
  db::Database db(path, true);
  f.trace_session_first = db.begin_session("burst-tune trace --world 2", fixture_fingerprint());
  add_trace_trial(db, f.trace_session_first);

  f.tune_session = db.begin_session("burst-tune tune --world 2 --seq 512,1024", fixture_fingerprint());
  db.exec(R"(CREATE TABLE IF NOT EXISTS tune_jobs (id INTEGER PRIMARY KEY, job_key TEXT NOT NULL,
      first_session_id INTEGER NOT NULL, last_session_id INTEGER NOT NULL, status TEXT NOT NULL, options TEXT NOT NULL,
      results TEXT);
    CREATE TABLE IF NOT EXISTS tune_results (job_id INTEGER NOT NULL REFERENCES tune_jobs(id), workload TEXT NOT NULL,
      default_trial_id INTEGER, winner_trial_id INTEGER, summary TEXT NOT NULL);)");
  db.exec("INSERT INTO tune_jobs VALUES (1, 'abc', " + std::to_string(f.tune_session) + ", " +
          std::to_string(f.tune_session) + ", 'complete', '{\"strategy\":\"grid\",\"seed\":1}', '{}')");

  auto workload = [](int seq) {
    return json{{"name", "custom"}, {"batch", 1},     {"seq", seq},          {"heads", 2},
                {"kv_heads", 2},    {"head_dim", 32}, {"dtype", "fp32"},     {"causal", false},
                {"pass", "fwd"},    {"world", 2},     {"ranks_per_node", 2}, {"backend", "cpu"}};
  };
  int order = 0;
  auto trial = [&](const json& w, const std::string& overlap, int chunks, const std::string& status,
                   const std::string& reason, double median_s, bool trace = false) {
    const json cand = fixture_candidate(overlap, chunks);
    json config = {{"kind", "tune"},
                   {"job_id", 1},
                   {"workload", w},
                   {"candidate", cand},
                   {"key", candidate_key(cand)},
                   {"is_default", overlap == "none" && chunks == 1},
                   {"level", 1},
                   {"strategy", "grid"}};
    if (status == "pruned") {
      config["level"] = -1;  // as tune writes them: never evaluated, no order
    } else {
      config["order"] = order++;
    }
    const auto id = db.begin_trial(f.tune_session, config.dump());
    json stats = json::object();
    if (median_s > 0) {
      const std::vector<double> s0{median_s * 0.99, median_s, median_s * 1.01};
      const std::vector<double> s1{median_s * 0.98, median_s * 0.995, median_s * 1.0};
      db.add_samples(id, 0, s0);
      db.add_samples(id, 1, s1);
      const double flops = 4.0 * 1 * w["seq"].get<double>() * w["seq"].get<double>() * 2 * 32;
      stats = {{"median_s", median_s},
               {"noise", 0.01},
               {"samples_s", s0},
               {"min_s", s0[0]},
               {"max_s", s0[2]},
               {"mean_s", median_s},
               {"tflops", flops / median_s / 1e12},
               {"fwd_median_s", median_s},
               {"warmup", 1},
               {"stop_reason", status == "stopped_early" ? "early_stop" : "noise"}};
    }
    if (trace) db.write_trace(id, imbalanced_ring());
    db.finish_trial(id, status, reason, stats.dump());
    return id;
  };
  const json a = workload(512), b = workload(1024);
  f.pruned_a = trial(a, "chunk_pipeline", 8, "pruned", "ring.chunks=8: chunk_pipeline needs n % 8 == 0", 0);
  f.default_a = trial(a, "none", 1, "ok", "", 0.0020);
  trial(a, "double_buffer", 1, "ok", "", 0.0017);
  f.stopped_a = trial(a, "none", 2, "stopped_early", "", 0.0040);
  f.winner_a = trial(a, "double_buffer", 2, "ok", "", 0.0015, /*trace=*/true);
  trial(a, "chunk_pipeline", 1, "ok", "", 0.0018);
  f.failed_a = trial(a, "chunk_pipeline", 2, "failed", "out of memory: <scratch> & more", 0);
  f.default_b = trial(b, "none", 1, "ok", "", 0.0040);
  f.winner_b = trial(b, "double_buffer", 1, "ok", "", 0.0036);

  const json summary = {{"winner", fixture_candidate("double_buffer", 2)},
                        {"median_s", 0.0015},
                        {"noise", 0.01},
                        {"default_median_s", 0.0020},
                        {"default_noise", 0.01},
                        {"speedup", 2.0 / 1.5},
                        {"tie_with_default", false},
                        {"verdict", "double_buffer with 2 chunks wins"}};
  auto ins = db.prepare("INSERT INTO tune_results VALUES (1, ?, ?, ?, ?)");
  ins.bind(1, std::string_view(a.dump()))
      .bind(2, f.default_a)
      .bind(3, f.winner_a)
      .bind(4, std::string_view(summary.dump()));
  ins.run();

  f.trace_session_last = db.begin_session("burst-tune trace --world 2", fixture_fingerprint());
  add_trace_trial(db, f.trace_session_last);
  return f;
}

// A halving job (one workload, ring.overlap varied) as tune records it, where the brief rung
// (level 0) flatters chunk_pipeline and the confirmation round (level 2) keeps the default:
//   order  level  candidate        median
//   0..2   0      none / double_buffer / chunk_pipeline   2.0 / 1.9 / 1.0 ms  (brief: 2x "faster")
//   3..5   1      none / double_buffer / chunk_pipeline   2.0 / 2.05 / 2.1 ms
//   6..7   2      none / chunk_pipeline                   2.0 / 2.02 ms        (confirmation)
// tune_results: winner = default = the level-2 `none` trial (a tie within noise goes to the default).
struct HalvingFixture {
  std::int64_t winner = 0, brief_chunk_pipeline = 0, confirmed_chunk_pipeline = 0;
};

inline HalvingFixture make_halving_db(const std::string& path) {
  using nlohmann::json;
  HalvingFixture f;
  db::Database db(path, true);
  const auto session = db.begin_session("burst-tune tune --strategy halving", fixture_fingerprint());
  db.exec(R"(CREATE TABLE IF NOT EXISTS tune_jobs (id INTEGER PRIMARY KEY, job_key TEXT NOT NULL,
      first_session_id INTEGER NOT NULL, last_session_id INTEGER NOT NULL, status TEXT NOT NULL, options TEXT NOT NULL,
      results TEXT);
    CREATE TABLE IF NOT EXISTS tune_results (job_id INTEGER NOT NULL REFERENCES tune_jobs(id), workload TEXT NOT NULL,
      default_trial_id INTEGER, winner_trial_id INTEGER, summary TEXT NOT NULL);)");
  db.exec("INSERT INTO tune_jobs VALUES (1, 'h', " + std::to_string(session) + ", " +
          std::to_string(session) + ", 'complete', '{\"strategy\":\"halving\"}', '{}')");
  const json w = {{"name", "custom"}, {"batch", 1},     {"seq", 512},          {"heads", 2},
                  {"kv_heads", 2},    {"head_dim", 32}, {"dtype", "fp32"},     {"causal", false},
                  {"pass", "fwd"},    {"world", 2},     {"ranks_per_node", 2}, {"backend", "cpu"}};
  int order = 0;
  auto trial = [&](const std::string& overlap, int level, double median_s) {
    const json cand = fixture_candidate(overlap, 1);
    const json config = {{"kind", "tune"},
                         {"job_id", 1},
                         {"workload", w},
                         {"candidate", cand},
                         {"key", candidate_key(cand)},
                         {"is_default", overlap == "none"},
                         {"level", level},
                         {"strategy", "halving"},
                         {"order", order++}};
    const auto id = db.begin_trial(session, config.dump());
    const std::vector<double> s{median_s * 0.99, median_s, median_s * 1.01};
    db.add_samples(id, 0, s);
    db.add_samples(id, 1, s);
    db.finish_trial(id, "ok", "",
                    json{{"median_s", median_s}, {"noise", 0.01}, {"samples", 3}, {"samples_s", s}}.dump());
    return id;
  };
  trial("none", 0, 0.0020);
  trial("double_buffer", 0, 0.0019);
  f.brief_chunk_pipeline = trial("chunk_pipeline", 0, 0.0010);
  trial("none", 1, 0.0020);
  trial("double_buffer", 1, 0.00205);
  trial("chunk_pipeline", 1, 0.0021);
  f.winner = trial("none", 2, 0.0020);
  f.confirmed_chunk_pipeline = trial("chunk_pipeline", 2, 0.00202);
  const json summary = {{"winner", fixture_candidate("none", 1)},
                        {"median_s", 0.0020},
                        {"noise", 0.01},
                        {"default_median_s", 0.0020},
                        {"default_noise", 0.01},
                        {"speedup", 1.0},
                        {"tie_with_default", true},
                        {"verdict", "the default is best"}};
  auto ins = db.prepare("INSERT INTO tune_results VALUES (1, ?, ?, ?, ?)");
  ins.bind(1, std::string_view(w.dump()))
      .bind(2, f.winner)
      .bind(3, f.winner)
      .bind(4, std::string_view(summary.dump()));
  ins.run();
  return f;
}

}  // namespace burst::test
