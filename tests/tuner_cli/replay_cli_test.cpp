// `tune --replay` makes the choices a live tune makes: with the calibrated rates recorded in the
// database, halving's budget-limited first rung is shortlisted by the cost model in the replay
// exactly as in the live run, step for step.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "db/database.hpp"
#include "support/temp_dir.hpp"
#include "tests/tuner_strategy/recorded_db.hpp"
#include "tuner/cost_model.hpp"
#include "tuner/session.hpp"

namespace burst::test {
namespace {

TEST(ReplayCli, HalvingIsShortlistedByTheRecordedRatesLikeTheLiveRun) {
  const TempDir dir("replay_cli");
  const std::string db_path = dir.file("r.db");

  // The replay tests' live job, with halving on a budget far below the space (so its first rung is
  // the cost model's shortlist) and a fingerprint the recorded rates are stored under.
  tuner::TuneOptions o = live_tune_options(db_path, "halving");
  o.seed = 5;
  o.max_trials = 8;
  o.min_samples = 2;
  o.max_samples = 3;
  o.max_noise = 0.5;
  o.fingerprint.cpu_model = "replay test cpu";
  o.fingerprint.cpu_cores = 2;
  o.fingerprint.link_classes = {"shared_memory"};

  // Rates as `calibrate` stores them, under the job's fingerprint; the live run predicts with them.
  tuner::MachineRates rates;
  rates.source = "test";
  rates.default_fwd_flops_per_s = 4e9;
  rates.default_bwd_flops_per_s = 2e9;
  // A rate per kernel tile that orders candidates unlike the seeded order halving draws otherwise.
  for (int tq = 16; tq <= 256; tq += 16)
    for (int tkv = 16; tkv <= 256; tkv += 16)
      rates.fwd_flops_per_s[std::to_string(tq) + "x" + std::to_string(tkv)] =
          1e9 * (1 + (tq * 7 + tkv * 3) % 11);
  rates.intra = {2e9, 2e-6};
  rates.inter = rates.intra;
  rates.step_overhead_s = 1e-5;
  {
    db::Database db(db_path, /*create_if_missing=*/true);
    tuner::store_calibration(db, o.fingerprint.id(), rates);
  }
  o.predict = tuner::predictor(rates);
  (void)tuner::run_tune(o, nullptr, nullptr);

  std::vector<std::string> live;
  {
    db::Database db(db_path, false);
    auto st = db.prepare(
        "SELECT json_extract(config, '$.key') FROM trials WHERE status IN ('ok', 'stopped_early', 'failed') "
        "ORDER BY "
        "id");
    while (st.step()) live.push_back(st.text(0));
  }
  ASSERT_EQ(live.size(), 8u);

  const auto r = run_cli("--json tune --replay " + db_path + " --strategy halving --seed 5 --max-trials 8");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j.contains("note")) << j.dump();
  const auto& steps = j.at("workloads").at(0).at("steps");
  ASSERT_EQ(steps.size(), live.size());
  for (std::size_t i = 0; i < live.size(); ++i) EXPECT_EQ(steps[i].at("key"), live[i]) << "step " << i;
}

}  // namespace
}  // namespace burst::test
