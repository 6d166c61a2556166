// run, trace and calibrate: a progress line on stderr per timed iteration or calibration step once
// the work is long (docs/run.md "Progress"), nothing for short work or with --progress none.
// BURST_PROGRESS_AFTER_S sets the "long" threshold, so nothing here depends on the machine's speed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_cli.hpp"
#include "support/temp_dir.hpp"

namespace burst::test {
namespace {

const std::string kRun = "run --world 2 --seq 256 --heads 2 --head-dim 32 --iters 3 --warmup 1 --threads 1";
const std::string kAlways = "BURST_PROGRESS_AFTER_S=0", kNever = "BURST_PROGRESS_AFTER_S=100000";

TEST(RunProgress, ALinePerTimedIterationWhenLong) {
  const auto r = run_cli(kRun, kAlways);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("run: iteration 1/3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run: iteration 3/3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(median so far "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("run: iteration 4/"), std::string::npos) << r.err;  // exactly --iters timed ones
  // The same run's figures: still three timed iterations.
  const auto j = run_cli("--json " + kRun, kAlways);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto js = nlohmann::json::parse(j.out);
  EXPECT_EQ(js.at("forward").at("samples_s").size(), 3u) << j.out;
  EXPECT_NE(j.err.find("run: iteration 3/3: "), std::string::npos) << j.err;  // stderr, JSON untouched
}

TEST(RunProgress, SilentWhenShortOrNoneOrQuiet) {
  const auto short_run = run_cli(kRun, kNever);
  ASSERT_EQ(short_run.exit_code, 0) << short_run.err;
  EXPECT_EQ(short_run.err.find("run: iteration"), std::string::npos) << short_run.err;
  const auto none = run_cli(kRun + " --progress none", kAlways);
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.err.find("run: iteration"), std::string::npos) << none.err;
  const auto quiet = run_cli("-q " + kRun, kAlways);
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("run: iteration"), std::string::npos) << quiet.err;
  EXPECT_EQ(run_cli(kRun + " --progress bar").exit_code, 2);  // run has no bar
}

TEST(TraceProgress, ALinePerTimedIterationWhenLong) {
  TempDir d("trace_progress");
  const std::string args = "trace --world 2 --seq 256 --heads 2 --head-dim 32 --iters 2 --warmup 0 --db ";
  const auto r = run_cli(args + (d / "t.db"), kAlways);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("trace: iteration 2/2: "), std::string::npos) << r.err;
  const auto none = run_cli(args + (d / "u.db") + " --progress none", kAlways);
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.err.find("trace: iteration"), std::string::npos) << none.err;
}

TEST(CalibrateProgress, ALinePerStepWhenLong) {
  // --quick, two ranks: one kernel variant, the link, the step overhead.
  const auto r = run_cli("--json calibrate --quick --world 2 --no-db", kAlways);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("calibrate: step 1/3: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("calibrate: step 3/3: "), std::string::npos) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out, nullptr, false).is_discarded()) << r.out;
  const auto short_run = run_cli("calibrate --quick --world 2 --no-db", kNever);
  ASSERT_EQ(short_run.exit_code, 0) << short_run.err;
  EXPECT_EQ(short_run.err.find("calibrate: step"), std::string::npos) << short_run.err;
  EXPECT_NE(short_run.out.find("link ("), std::string::npos) << short_run.out;  // the step results, as before
  const auto none = run_cli("calibrate --quick --world 2 --no-db --progress none", kAlways);
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.err.find("calibrate: step"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace burst::test
