// A tuning database built through db::Database exactly as docs/tuning-records.md describes `tune`
// writing it, with figures known by construction:
//
//   session 1  `burst-tune trace` (one trial, no "kind")
//   session 2  `burst-tune tune`, job 1 (complete), two workloads:
//     A  N=512 world 2: overlap {none, double_buffer, chunk_pipeline} x chunks {1, 2}, tiles 64x64
//        default (none, 1) 2.0 ms; winner (double_buffer, 2) 1.5 ms -> speedup 4/3;
//        (chunk_pipeline, 2) failed, (chunk_pipeline, 8) pruned, (none, 2) stopped early;
//        the winner has a trace: synthetic_ring (exposed fraction 0.2 on every rank);
//        tune_results holds A's winner/default.
//     B  N=1024 world 2: default 4.0 ms, (double_buffer, 1) 3.6 ms; no tune_results row, no trace.
//   session 3  another `burst-tune trace` (so "latest session with tuning trials" != latest session)
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
    if (trace) db.write_trace(id, synthetic_ring(2, 4, 4096));
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

}  // namespace burst::test
