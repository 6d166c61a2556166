// The rest of the shared options (cli/defaults.hpp; docs/cli.md, "Options shared by every command"):
// --world 2 in run and trace as in tune, calibrate and explain (it was 1 in run and trace); the
// output file -o/--out/--output of tune and calibrate (it was --out only); tune's --max-noise as a
// fraction (0.05) or a percentage (5%), a plain number >= 1 refused saying to write "5%".
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_json_help.hpp"
#include "cli/run_cli.hpp"
#include "support/temp_dir.hpp"

namespace burst::test {
namespace {

const std::string kShape = " --seq 256 --heads 2 --head-dim 32";
const std::string kQuick = kShape + " --iters 1 --warmup 0 --threads 1";

// --- --world ------------------------------------------------------------------------------------

TEST(SharedWorld, RunAndTraceRunOnTwoRanksLikeTune) {
  EXPECT_EQ(json_of("run" + kQuick)["world"], 2);
  TempDir dir("shared-world");
  EXPECT_EQ(json_of("trace" + kQuick + " --db " + dir.file("t.db"))["world"], 2);
  for (const std::string cmd : {"run", "trace", "explain", "tune", "calibrate"})
    EXPECT_NE(help_line(help_of(cmd), "--world").find("=2"), std::string::npos) << cmd << " --help";
}

// --- -o, --out and --output: one option of every command that writes a file ---------------------

// Each spelling reaches the output option: writing over --db is refused, naming the file.
TEST(SharedOutput, TuneAndCalibrateTakeEverySpelling) {
  TempDir dir("shared-output-tc");
  const std::string db = dir.file("a.db");
  ASSERT_EQ(run_cli("trace --world 1" + kQuick + " --db " + db).exit_code, 0);
  for (const std::string spelling : {"-o", "--out", "--output"}) {
    for (const std::string& cmd :
         {"calibrate --quick --world 1 --db " + db, "tune --world 1 --db " + db + kShape}) {
      const CliResult r = run_cli(cmd + " " + spelling + " " + db);
      EXPECT_EQ(r.exit_code, 2) << cmd << " " << spelling << "\n" << r.out << r.err;
      EXPECT_NE(r.err.find("is the same file as --db"), std::string::npos) << cmd << " " << spelling << "\n"
                                                                           << r.err;
    }
  }
  for (const std::string cmd : {"calibrate", "tune"})
    EXPECT_FALSE(help_line(help_of(cmd), "-o,--out,--output").empty()) << cmd << "\n" << help_of(cmd);
  const CliResult calibrate =
      run_cli("calibrate --quick --world 1 --no-db --output " + dir.file("rates.json"));
  ASSERT_EQ(calibrate.exit_code, 0) << calibrate.err;
  const auto rates = nlohmann::json::parse(slurp(dir.file("rates.json")), nullptr, false);
  ASSERT_FALSE(rates.is_discarded()) << slurp(dir.file("rates.json"));
  EXPECT_TRUE(rates.contains("default_fwd_flops_per_s")) << rates.dump();
}

// --- --max-noise: a fraction or a percentage ------------------------------------------------------

std::string tune_job_options(const std::string& db) {
  sqlite3* raw = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(raw, "SELECT options FROM tune_jobs", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(raw);
  return out;
}

// "5%" is recorded as the fraction 0.05, exactly what --max-noise 0.05 records.
TEST(MaxNoise, PercentIsTheSameAsTheFraction) {
  TempDir dir("max-noise");
  const std::string tiny =
      " --world 1 --no-causal --pass fwd --strategy exhaustive --space kernel.tile_q=32 --space "
      "kernel.tile_kv=32"
      " --space ring.chunks=1 --space ring.overlap=none --min-samples 2 --max-samples 2 --warmup 0 --confirm "
      "0"
      " --no-trace --progress none" +
      kShape;
  const CliResult r =
      run_cli("tune --max-noise 5%" + tiny + " --db " + dir.file("t.db") + " -o " + dir.file("p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto options = nlohmann::json::parse(tune_job_options(dir.file("t.db")), nullptr, false);
  ASSERT_FALSE(options.is_discarded()) << tune_job_options(dir.file("t.db"));
  EXPECT_EQ(options["max_noise"].get<double>(), 0.05) << options.dump();
}

TEST(MaxNoise, BadValuesAreRefusedInOneLineNamingTheFlag) {
  for (const std::string value : {"5", "abc", "0", "0%", "100%", "150%", "-1%", "5%%", "%"}) {
    const CliResult r = run_cli("tune --dry-run --max-noise " + value + kShape);
    EXPECT_EQ(r.exit_code, 2) << value << "\n" << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << value << ": ran anyway: " << r.out;
    const std::string line = r.err.substr(0, r.err.find('\n'));
    EXPECT_NE(line.find("--max-noise"), std::string::npos) << value << ": " << line;
    EXPECT_NE(line.find("percentage"), std::string::npos) << value << ": " << line;
    EXPECT_LE(count_lines(r.err), 2) << r.err;
  }
  // nvbench's spelling of 5 percent says how to write it here.
  const CliResult five = run_cli("tune --dry-run --max-noise 5" + kShape);
  EXPECT_NE(five.err.find("write 5%"), std::string::npos) << five.err;
  for (const std::string value : {"0.05", "5%", "0.5%", "3.5%"})
    EXPECT_EQ(run_cli("tune --dry-run --max-noise " + value + kShape).exit_code, 0) << value;
  EXPECT_NE(help_line(help_of("tune"), "--max-noise").find("=3%"), std::string::npos) << help_of("tune");
}

}  // namespace
}  // namespace burst::test
