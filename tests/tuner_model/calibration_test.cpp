// Calibration: the link fit, the rates' JSON, the calibrations table (store, latest row wins,
// per fingerprint) and one quick calibration of this machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "burst/error.hpp"
#include "db/database.hpp"
#include "tuner/calibrate.hpp"

namespace burst::tuner {
namespace {

namespace fs = std::filesystem;

MachineRates sample_rates(double scale) {
  MachineRates r;
  r.source = "test";
  r.default_fwd_flops_per_s = 1e10 * scale;
  r.default_bwd_flops_per_s = 2e10 * scale;
  r.fwd_flops_per_s = {{"64x64", 1e10 * scale}, {"128x64", 1.5e10 * scale}};
  r.bwd_flops_per_s = {{"64x64", 2e10 * scale}};
  r.intra = {5e9, 3e-6};
  r.inter = {1e9, 1e-5};
  r.step_overhead_s = 2e-5;
  return r;
}

TEST(Calibration, LinkFitRecoversLatencyAndBandwidth) {
  // t = 4 us + bytes / 2 GB/s exactly.
  std::vector<LinkSample> s;
  for (std::size_t bytes : {1024u, 65536u, 1048576u, 4194304u}) s.push_back({bytes, 4e-6 + bytes / 2e9});
  const LinkRate l = fit_link(s);
  EXPECT_NEAR(l.latency_s, 4e-6, 1e-12);
  EXPECT_NEAR(l.bandwidth_Bps, 2e9, 1.0);
  // A negative intercept (noise) becomes latency 0 and a fit through the origin.
  const LinkRate z = fit_link({{1000, 0.0}, {2000, 2e-6}});
  EXPECT_EQ(z.latency_s, 0.0);
  EXPECT_GT(z.bandwidth_Bps, 0.0);
}

TEST(Calibration, RatesJsonRoundTripAndErrors) {
  const MachineRates r = sample_rates(1);
  const MachineRates back = MachineRates::from_json(r.to_json());
  EXPECT_EQ(back.to_json(), r.to_json());
  nlohmann::json bad = r.to_json();
  bad.erase("intra");
  EXPECT_THROW(MachineRates::from_json(bad), InvalidArgument);
  bad = r.to_json();
  bad["default_fwd_flops_per_s"] = 0;
  EXPECT_THROW(MachineRates::from_json(bad), InvalidArgument);
  bad = r.to_json();
  bad["intra"]["bandwidth_Bps"] = "fast";
  EXPECT_THROW(MachineRates::from_json(bad), InvalidArgument);
}

TEST(Calibration, StoreAndLoadLatestPerFingerprint) {
  const fs::path path =
      fs::temp_directory_path() / ("burst_calibrations_" + std::to_string(getpid()) + ".db");
  fs::remove(path);
  {
    db::Database db(path.string(), true);
    EXPECT_FALSE(load_calibration(db, "aaaa").has_value());
    store_calibration(db, "aaaa", sample_rates(1));
    store_calibration(db, "bbbb", sample_rates(3));
    store_calibration(db, "aaaa", sample_rates(2));
  }
  {
    db::Database db(path.string(), false);
    const auto a = load_calibration(db, "aaaa");
    ASSERT_TRUE(a.has_value());
    EXPECT_DOUBLE_EQ(a->default_fwd_flops_per_s, 2e10);
    const auto b = load_calibration(db, "bbbb");
    ASSERT_TRUE(b.has_value());
    EXPECT_DOUBLE_EQ(b->default_fwd_flops_per_s, 3e10);
    auto st = db.prepare("SELECT COUNT(*), MIN(created_utc) FROM calibrations");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 3);
    EXPECT_EQ(st.text(1).size(), 20u);  // 2026-11-22T20:45:00Z
  }
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
}

TEST(Calibration, LoadOrCalibrateStoresOnceThenReads) {
  const fs::path path =
      fs::temp_directory_path() / ("burst_load_or_calibrate_" + std::to_string(getpid()) + ".db");
  fs::remove(path);
  const MachineRates first = load_or_calibrate(path.string(), "cccc", 2);  // calibrates (quick) and stores
  EXPECT_GT(first.default_fwd_flops_per_s, 0.0);
  {
    db::Database db(path.string(), false);
    store_calibration(db, "cccc", sample_rates(5));
  }
  const MachineRates second = load_or_calibrate(path.string(), "cccc", 2);  // the latest row, no calibration
  EXPECT_DOUBLE_EQ(second.default_fwd_flops_per_s, 5e10);
  fs::remove(path);
  fs::remove(path.string() + "-wal");
  fs::remove(path.string() + "-shm");
}

TEST(Calibration, QuickCalibrationOfThisMachine) {
  CalibrateOptions o;
  o.quick = true;
  o.world = 2;
  o.block_tokens = 256;
  const CalibrationResult r = calibrate(o);
  EXPECT_EQ(r.world, 2);
  EXPECT_GE(r.threads_per_rank, 1);
  EXPECT_EQ(r.comm_backend, "local");
  EXPECT_GT(r.rates.default_fwd_flops_per_s, 1e7);
  EXPECT_GT(r.rates.default_bwd_flops_per_s, 1e7);
  EXPECT_EQ(r.rates.fwd_flops_per_s.count("64x64"), 1u);
  EXPECT_GT(r.rates.intra.bandwidth_Bps, 1e6);
  EXPECT_GE(r.rates.intra.latency_s, 0.0);
  EXPECT_GE(r.rates.step_overhead_s, 0.0);
  EXPECT_EQ(r.link_samples.size(), 3u);
  // Usable by the model at once.
  Workload w;
  w.shape.seq = 512;
  w.shape.heads = 2;
  w.shape.head_dim = 32;
  w.world = 2;
  w.ranks_per_node = 2;
  EXPECT_GT(predict(w, Candidate{}, r.rates).total_s, 0.0);
  CalibrateOptions bad;
  bad.world = 0;
  EXPECT_THROW(calibrate(bad), InvalidArgument);
}

}  // namespace
}  // namespace burst::tuner
