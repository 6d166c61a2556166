#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/run_cli.hpp"
#include "db/database.hpp"
#include "support/temp_dir.hpp"
#include "support/text_file.hpp"

namespace burst::test {
namespace {

namespace fs = std::filesystem;

// A tiny forward-only space of 3 candidates (2 tiles + the default).
const std::string tiny =
    " --seq 256 --heads 2 --head-dim 32 --no-causal --pass fwd --strategy exhaustive"
    " --space kernel.tile_q=32,64 --space kernel.tile_kv=32 --space ring.chunks=1 --space ring.overlap=none"
    " --space cp.method=ring"
    " --min-samples 2 --max-samples 3 --warmup 0 --progress lines";

// A space that takes several seconds: every overlap and layout, causal fwd+bwd.
const std::string longer =
    " --seq 512 --heads 4 --kv-heads 2 --head-dim 32 --causal --pass fwd+bwd --strategy exhaustive "
    "--max-trials 0"
    " --space kernel.tile_q=32,64 --space kernel.tile_kv=32,64 --space cp.method=ring --min-samples 3 "
    "--max-samples 4"
    " --warmup 0"
    " --progress lines";

std::string sql_text(const std::string& db, const std::string& sql) {
  burst::db::Database d(db, false);
  auto s = d.prepare(sql);
  return s.step() ? s.text(0) : std::string("<no row>");
}

// Starts burst-tune with `args` (split on spaces), output to files in `dir`; returns the pid.
pid_t spawn(const std::string& args, const TempDir& dir) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen((dir / "spawn.out").c_str(), "w", stdout);
    std::freopen((dir / "spawn.err").c_str(), "w", stderr);
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMI_SIZE");
    unsetenv("PMIX_RANK");
    std::vector<std::string> words = {BURST_TUNE_EXE};
    std::string w;
    for (char ch : args + " ") {
      if (ch == ' ') {
        if (!w.empty()) words.push_back(w);
        w.clear();
      } else {
        w += ch;
      }
    }
    std::vector<char*> argv;
    for (auto& x : words) argv.push_back(x.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until at least `n` trials are finished in `db` (or `timeout`), polling.
bool wait_for_trials(const std::string& db, int n, std::chrono::seconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!fs::exists(db)) continue;
    try {
      if (std::stoi(sql_text(db, "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early')")) >= n)
        return true;
    } catch (const std::exception&) {
      // the writer holds the file; try again
    }
  }
  return false;
}

// Starts `args`, sends `sig` once `trials` trials are finished in `db`, and waits for the process.
struct Signalled {
  bool reached = false;  // the trials were finished before the signal
  int status = 0;        // waitpid status
};
Signalled run_then_signal(const std::string& args, const TempDir& dir, const std::string& db, int trials,
                          int sig) {
  Signalled out;
  const pid_t pid = spawn(args, dir);
  if (pid <= 0) return out;
  out.reached = wait_for_trials(db, trials, std::chrono::seconds(120));
  kill(pid, sig);
  waitpid(pid, &out.status, 0);
  return out;
}

TEST(TuneCli, TunesWritesAValidProfileThatRunUses) {
  TempDir d;
  const auto r = run_cli("tune" + tiny + " --db " + (d / "t.db") + " --out " + (d / "p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("result: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(default)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<- chosen"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("trial 3/6"), std::string::npos) << r.err;  // plain progress lines off a terminal
  EXPECT_NE(r.err.find("[confirm]"), std::string::npos) << r.err;
  ASSERT_TRUE(fs::exists(d / "p.json"));
  EXPECT_EQ(run_cli("validate " + (d / "p.json")).exit_code, 0);
  const auto profile = nlohmann::json::parse(slurp(d / "p.json"));
  ASSERT_EQ(profile.at("entries").size(), 1u);
  const int tile_q = profile["entries"][0]["params"]["kernel.tile_q"].get<int>();
  // run --profile picks the tuned entry (of the same shape: non-causal, forward only, 2 ranks).
  const auto run = run_cli(
      "--json run --world 2 --seq 256 --heads 2 --head-dim 32 --no-causal --pass fwd --iters 1 --warmup 0 "
      "--profile " +
      (d / "p.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto rj = nlohmann::json::parse(run.out);
  EXPECT_EQ(rj.at("schedule").at("tile_q").get<int>(), tile_q) << run.out;
  EXPECT_EQ(rj.at("profile").at("source"), "exact") << run.out;
  // JSON output and a second run: everything comes from the database, nothing is re-measured.
  const auto again = run_cli("--json tune" + tiny + " --db " + (d / "t.db") + " --out " + (d / "p.json"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto aj = nlohmann::json::parse(again.out);
  EXPECT_EQ(aj["workloads"][0]["reused"], aj["workloads"][0]["evaluations"]);
  EXPECT_EQ(sql_text(d / "t.db", "PRAGMA integrity_check"), "ok");
}

TEST(TuneCli, ReplayIsDeterministicAndExecutesNothing) {
  TempDir d;
  const auto r = run_cli("tune" + tiny + " --db " + (d / "r.db") + " --out " + (d / "p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string trials = sql_text(d / "r.db", "SELECT COUNT(*) FROM trials");
  const auto a = run_cli("--json tune --replay " + (d / "r.db") + " --strategy random --seed 7");
  const auto b = run_cli("--json tune --replay " + (d / "r.db") + " --strategy random --seed 7");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  const auto j = nlohmann::json::parse(a.out);
  ASSERT_EQ(j["workloads"].size(), 1u);
  EXPECT_EQ(j["workloads"][0]["evaluations"], 3);
  // The default is evaluated first.
  EXPECT_EQ(
      j["workloads"][0]["steps"][0]["key"].get<std::string>().find("kernel.tile_q=64,kernel.tile_kv=64"), 0u);
  EXPECT_TRUE(j["workloads"][0].contains("winner"));
  EXPECT_EQ(sql_text(d / "r.db", "SELECT COUNT(*) FROM trials"), trials);  // nothing was added
  // Bad input: a missing database, and the model strategy without calibrated rates.
  EXPECT_EQ(run_cli("tune --replay " + (d / "missing.db")).exit_code, 2);
  const auto m = run_cli("tune --replay " + (d / "r.db") + " --strategy model");
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_NE(m.err.find("calibrate"), std::string::npos) << m.err;
}

TEST(TuneCli, DryRunShowsSizesAndReasons) {
  const auto r = run_cli("tune --dry-run --world 4 --seq 256 --heads 4 --kv-heads 1 --head-dim 32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("before pruning"), std::string::npos);
  EXPECT_NE(r.out.find("pruned because"), std::string::npos);
  EXPECT_NE(r.out.find("runtime"), std::string::npos);
  const auto j =
      run_cli("--json tune --dry-run --world 4 --seq 256,1024 --heads 4 --kv-heads 1 --head-dim 32");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto js = nlohmann::json::parse(j.out);
  ASSERT_EQ(js["workloads"].size(), 2u);
  for (const auto& w : js["workloads"]) {
    EXPECT_EQ(w["size_before"].get<int>(), w["size_after"].get<int>() + static_cast<int>(w["pruned"].size()));
    EXPECT_GT(w["pruned"].size(), 0u);
  }
  EXPECT_FALSE(fs::exists("burst.db"));  // a dry run records nothing
}

TEST(TuneCli, PresetsSetTheShape) {
  const auto r = run_cli("--json tune --dry-run --preset llama3-8b --seq 4096 --world 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto w = nlohmann::json::parse(r.out)["workloads"][0]["workload"];
  EXPECT_EQ(w["heads"], 32);
  EXPECT_EQ(w["kv_heads"], 8);
  EXPECT_EQ(w["head_dim"], 128);
  const auto l = nlohmann::json::parse(run_cli("--json tune --dry-run --preset llama2-7b --seq 32K").out);
  EXPECT_EQ(l["workloads"][0]["workload"]["kv_heads"], 32);
  EXPECT_EQ(l["workloads"][0]["workload"]["seq"], 32768);
}

TEST(TuneCli, BadInputIsOneLineExitTwoAndLosesNothing) {
  TempDir d;
  for (const std::string bad : {"--strategy genetic", "--seq abc", "--seq 0", "--space ring.colour=red",
                                "--space ring.overlap=sideways", "--space nonsense", "--preset gpt-9",
                                "--max-trials -1", "--backend tpu", "--seq 255"}) {
    const auto r = run_cli("tune " + bad + " --db " + (d / "x.db"));
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << bad << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(d / "x.db"));
  // An existing profile that is broken is refused before anything runs, and left as it was.
  { std::ofstream(d / "bad.json") << "{\"schema\": \"burst-profile/1\", \"entries\": 5}"; }
  const auto r = run_cli("tune" + tiny + " --db " + (d / "y.db") + " --out " + (d / "bad.json"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bad.json"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(d / "bad.json"), "{\"schema\": \"burst-profile/1\", \"entries\": 5}");
  // A file that is not a burst database is refused and left as it was.
  { std::ofstream(d / "notes.db") << "my notes"; }
  const auto n = run_cli("tune" + tiny + " --db " + (d / "notes.db") + " --out " + (d / "p.json"));
  EXPECT_EQ(n.exit_code, 2) << n.err;
  EXPECT_EQ(slurp(d / "notes.db"), "my notes");
}

TEST(TuneCli, KilledRunLeavesASoundDatabaseAndResumes) {
  TempDir d;
  const std::string args = "tune" + longer + " --db " + (d / "k.db") + " --out " + (d / "p.json");
  const Signalled run = run_then_signal(args, d, d / "k.db", 3, SIGKILL);
  ASSERT_TRUE(run.reached) << slurp(d / "spawn.err");
  EXPECT_EQ(sql_text(d / "k.db", "PRAGMA integrity_check"), "ok");
  const int finished =
      std::stoi(sql_text(d / "k.db", "SELECT COUNT(*) FROM trials WHERE status IN ('ok', 'stopped_early')"));
  const auto r = run_cli("--json " + args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["workloads"][0]["reused"].get<int>(), finished);
  // Every candidate once, plus the confirmation round (the default and the 3 fastest again).
  EXPECT_EQ(j["workloads"][0]["evaluations"].get<int>(), j["workloads"][0]["size_after"].get<int>() + 4);
  EXPECT_TRUE(fs::exists(d / "p.json"));
}

TEST(TuneCli, CtrlCFinishesTheSampleWritesAndHintsResume) {
  TempDir d;
  const std::string args = "tune" + longer + " --db " + (d / "c.db") + " --out " + (d / "p.json");
  const Signalled run = run_then_signal(args, d, d / "c.db", 2, SIGINT);
  ASSERT_TRUE(run.reached) << slurp(d / "spawn.err");
  ASSERT_TRUE(WIFEXITED(run.status)) << "killed by the signal instead of stopping cleanly";
  EXPECT_EQ(WEXITSTATUS(run.status), 130);
  const std::string err = slurp(d / "spawn.err");
  EXPECT_NE(err.find("run the same command again to resume"), std::string::npos) << err;
  EXPECT_EQ(sql_text(d / "c.db", "SELECT status FROM tune_jobs"), "interrupted");
  EXPECT_EQ(sql_text(d / "c.db", "SELECT COUNT(*) FROM trials WHERE status = 'running'"), "0");
  const auto r = run_cli("--json " + args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(nlohmann::json::parse(r.out)["workloads"][0]["reused"].get<int>(), 2);
  EXPECT_EQ(sql_text(d / "c.db", "SELECT status FROM tune_jobs"), "complete");
}

}  // namespace
}  // namespace burst::test
