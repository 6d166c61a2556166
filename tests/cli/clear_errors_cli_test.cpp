// burst-tune as a user runs it: readable flag bounds, the same size suffixes on every command,
// the deadline flag and BURST_COMM_TIMEOUT_MS, stray MPI variables, and database strings that
// cannot drive the terminal (issue 17, "Clear errors").
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/run_cli.hpp"

namespace burst::test {
namespace {

using nlohmann::json;

const std::string tiny_run = "run --seq 64 --heads 1 --head-dim 32 --iters 1 --warmup 0 --pass fwd";

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

std::string scratch(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("burst-cli-errors-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// A usage error: exit 2, and the first stderr line says `expected` in a readable length.
void expect_refused(const std::string& args, const std::string& expected) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out << r.err;
  const std::string line = first_line(r.err);
  EXPECT_NE(line.find(expected), std::string::npos) << args << "\n" << r.err;
  EXPECT_LT(line.size(), 200u) << args << ": " << line;
  EXPECT_EQ(line.find("1797693134862315"), std::string::npos) << line;  // numeric_limits<double>::max
}

TEST(CliFlags, RangeErrorsPrintReadableBounds) {
  expect_refused("run --iters 0", "--iters: expected an integer >= 1, got 0");
  expect_refused("run --warmup -1", "--warmup: expected an integer >= 0, got -1");
  expect_refused("run --seq 0", "--seq: expected a positive size");
  expect_refused("run --heads 0", "--heads: expected an integer >= 1, got 0");
  expect_refused("run --world 2000", "--world: expected an integer 1..1024, got 2000");
  expect_refused("trace --db x.db --batch -3", "--batch: expected a positive size");
  expect_refused("plan --ranks 8 --tie 1.5", "--tie: expected a number 0..1, got 1.5");
  expect_refused("plan --ranks 0", "--ranks: expected an integer 1..1048576, got 0");
  expect_refused("calibrate --threads -1", "--threads: expected an integer >= 0, got -1");
  expect_refused("tune --batch 0 --dry-run", "--batch: expected a positive size");
  expect_refused("tune --timeout-ms 0 --dry-run", "--timeout-ms: expected an integer >= 1, got 0");
}

TEST(CliFlags, SizeSuffixesAreReadTheSameEverywhere) {
  // K = 1024 and M = 1048576, as tune's --seq has always read them.
  const auto seq = run_cli("--json run --seq 2K --heads 1 --head-dim 32 --iters 1 --warmup 0 --pass fwd");
  ASSERT_EQ(seq.exit_code, 0) << seq.err;
  EXPECT_EQ(json::parse(seq.out).at("shape").at("seq"), 2048);
  const auto batch =
      run_cli("--json run --batch 1k --seq 16 --heads 1 --head-dim 32 --iters 1 --warmup 0 --pass fwd");
  ASSERT_EQ(batch.exit_code, 0) << batch.err;
  EXPECT_EQ(json::parse(batch.out).at("shape").at("batch"), 1024);

  const auto tune = run_cli("--json tune --dry-run --world 2 --seq 2k --batch 2K");
  ASSERT_EQ(tune.exit_code, 0) << tune.err;
  const json tj = json::parse(tune.out);
  EXPECT_EQ(tj.at("workloads")[0].at("workload").at("seq"), 2048);
  EXPECT_EQ(tj.at("workloads")[0].at("workload").at("batch"), 2048);

  expect_refused("run --seq 3X",
                 "--seq: expected a positive size such as 4096, 32K (x1024) or 1M (x1048576), got 3X");
  expect_refused("plan --ranks 8 --batch 1G", "--batch: expected a positive size");
}

TEST(CliLaunch, StrayMpiVariablesRunAsOneProcess) {
  for (const std::string env :
       {"OMPI_COMM_WORLD_SIZE=4", "PMI_SIZE=2", "PMIX_RANK=1", "OMPI_COMM_WORLD_RANK=0"}) {
    const auto r = run_cli("--json " + tiny_run + " --world 2", env);
    ASSERT_EQ(r.exit_code, 0) << env << "\n" << r.out << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j.at("comm"), "local") << env;
    EXPECT_EQ(j.at("world"), 2) << env;
  }
}

TEST(CliDeadline, EnvironmentIsReadAndTheFlagWins) {
  // The variable is read (a bad value is refused, naming it) ...
  const auto bad = run_cli(tiny_run + " --world 2", "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(first_line(bad.err).find("BURST_COMM_TIMEOUT_MS=abc: expected a whole number of milliseconds"),
            std::string::npos)
      << bad.err;
  // ... unless --timeout-ms is given: flag > environment > 120 s.
  const auto flag = run_cli(tiny_run + " --world 2 --timeout-ms 60000", "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_EQ(flag.exit_code, 0) << flag.out << flag.err;
  const auto good = run_cli(tiny_run + " --world 2", "BURST_COMM_TIMEOUT_MS=60000");
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;

  const std::string db = scratch("trace.db");
  const auto trace =
      run_cli("trace --world 2 --seq 64 --heads 1 --head-dim 32 --iters 1 --warmup 0 --db " + db,
              "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_EQ(trace.exit_code, 2) << trace.out << trace.err;
  EXPECT_NE(trace.err.find("BURST_COMM_TIMEOUT_MS=abc"), std::string::npos) << trace.err;
  const auto calibrate = run_cli("calibrate --quick --no-db", "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_EQ(calibrate.exit_code, 2) << calibrate.out << calibrate.err;
  EXPECT_NE(calibrate.err.find("BURST_COMM_TIMEOUT_MS=abc"), std::string::npos) << calibrate.err;
  const auto calibrate_flag =
      run_cli("calibrate --quick --no-db --timeout-ms 60000", "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_EQ(calibrate_flag.exit_code, 0) << calibrate_flag.out << calibrate_flag.err;
  std::filesystem::remove_all(std::filesystem::path(db).parent_path());
}

TEST(CliDeadline, TuneTakesTheFlag) {
  const std::string dir = std::filesystem::path(scratch("x")).parent_path().string();
  const std::string args =
      "tune --world 2 --seq 64 --heads 1 --head-dim 32 --pass fwd --strategy random "
      "--max-trials 1 --confirm 0 --min-samples 2 --max-samples 2 --no-trace --db " +
      dir + "/t.db --out " + dir + "/p.json";
  const auto bad = run_cli(args, "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_NE(bad.exit_code, 0) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("BURST_COMM_TIMEOUT_MS=abc"), std::string::npos) << bad.out << bad.err;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto flag = run_cli(args + " --timeout-ms 60000", "BURST_COMM_TIMEOUT_MS=abc");
  EXPECT_EQ(flag.exit_code, 0) << flag.out << flag.err;
  std::filesystem::remove_all(dir);
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(CliEscapes, ShowAndReportEscapeControlCharactersFromTheDatabase) {
  const std::string db = scratch("evil.db");
  const auto trace =
      run_cli("trace --world 2 --seq 64 --heads 1 --head-dim 32 --iters 1 --warmup 0 --db " + db);
  ASSERT_EQ(trace.exit_code, 0) << trace.err;
  // A second trial that failed, with a crafted reason; a crafted host and command line.
  exec_sql(
      db,
      "UPDATE sessions SET hostname = 'host' || char(27) || '[2J', command = 'burst-tune' || char(27) || "
      "'[2J';"
      "INSERT INTO trials(session_id, config, status, failure_reason, start_utc_ns) "
      "SELECT session_id, config, 'failed', 'boom' || char(27) || '[2J' || char(7), start_utc_ns FROM trials "
      "LIMIT 1;");
  const auto show = run_cli("show --db " + db);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out.find('\x1b'), std::string::npos) << show.out;
  EXPECT_EQ(show.out.find('\a'), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("boom\\x1b[2J\\x07"), std::string::npos) << show.out;

  const auto report = run_cli("report --db " + db);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_EQ(report.out.find('\x1b'), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("host\\x1b[2J"), std::string::npos) << report.out;
  EXPECT_GT(count_lines(report.out), 2);  // newlines of the report itself are kept

  const std::string html = scratch("evil.html");
  const auto page = run_cli("report --db " + db + " -o " + html);
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_EQ(page.out.find('\x1b'), std::string::npos) << page.out;
  EXPECT_EQ(slurp(html).find('\x1b'), std::string::npos);
  std::filesystem::remove_all(std::filesystem::path(db).parent_path());
}

}  // namespace
}  // namespace burst::test
