// burst-tune calibrate: measures the cost model's rates on this machine (per kernel variant compute
// rate of one rank, link bandwidth and latency, step overhead; tuner/calibrate.hpp) and stores them
// in the database's `calibrations` table under this machine's fingerprint (and --out as JSON).
// Under mpirun every rank takes part; rank 0 writes.
#include <fmt/core.h>

#include <charconv>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "burst/system.hpp"
#include "cli/command.hpp"
#include "cli/defaults.hpp"
#include "cli/flag_checks.hpp"
#include "cli/profile_choice.hpp"
#include "cli/progress.hpp"
#include "cli/run_flags.hpp"
#include "comm/launch.hpp"
#include "db/database.hpp"
#include "tuner/calibrate.hpp"

namespace burst::cli {
namespace {

struct CalibrateFlags {
  int world = defaults::world;
  int threads = 0;
  bool quick = false;
  bool no_db = false;
  std::string db = "burst.db";
  std::string out;
  std::string tiles;
  std::string progress = "auto";
};

std::vector<std::pair<int, int>> parse_tiles(const std::string& text) {
  std::vector<std::pair<int, int>> out;
  std::size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    const auto x = item.find('x');
    int tq = 0, tkv = 0;
    bool ok = x != std::string::npos;
    if (ok) {
      const auto r1 = std::from_chars(item.data(), item.data() + x, tq);
      const auto r2 = std::from_chars(item.data() + x + 1, item.data() + item.size(), tkv);
      ok = r1.ec == std::errc() && r1.ptr == item.data() + x && r2.ec == std::errc() &&
           r2.ptr == item.data() + item.size() && tq > 0 && tkv > 0;
    }
    BURST_REQUIRE(ok, "--tiles: expected TQxTKV[,TQxTKV...] like 64x64,128x64, got '" + item + "'");
    out.emplace_back(tq, tkv);
    pos = end + 1;
  }
  return out;
}

void check_parent(const std::string& flag, const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  BURST_REQUIRE(parent.empty() || std::filesystem::is_directory(parent),
                flag + " " + path + ": directory " + parent.string() + " does not exist");
}

int run_calibrate(const CalibrateFlags& f, const Context& ctx) {
  check_comm_deadline();
  tuner::CalibrateOptions o;
  o.world = f.world;
  o.threads = f.threads;
  o.quick = f.quick;
  o.tiles = parse_tiles(f.tiles);
  std::unique_ptr<Communicator> mpi;
  if (comm::launched_by_mpi()) mpi = comm::make_mpi_world();
  const bool root = mpi == nullptr || mpi->rank() == 0;
  if (root) {
    BURST_REQUIRE(f.no_db || !f.db.empty(), "--db: a file name is required (or --no-db)");
    if (!f.no_db) check_parent("--db", f.db);
    if (!f.out.empty()) check_parent("--out", f.out);
    if (!f.no_db) refuse_output_over_input("--out", f.out, "--db", f.db);
  }
  // Each step's result on stdout, and progress lines on stderr once it is long (docs/run.md "Progress").
  o.progress =
      calibration_progress(o, mpi ? mpi->size() : o.world, line_progress_mode(f.progress, ctx.global.quiet),
                           !ctx.global.json && !ctx.global.quiet);

  // Collective under MPI.
  // The same fingerprint `tune` records (profile_choice.hpp; the system, whatever the world), so tune and
  // replay find these rates.
  const std::string fingerprint = fingerprint_here(mpi.get()).id();
  tuner::CalibrationResult r = tuner::calibrate(o, mpi.get());
  r.rates.source = fmt::format("calibrated {} world {} ({} threads per rank, {})", fingerprint, r.world,
                               r.threads_per_rank, r.comm_backend);
  if (!root) return 0;

  if (!f.no_db) {
    db::Database database(f.db, /*create_if_missing=*/true);
    tuner::store_calibration(database, fingerprint, r.rates);
  }
  if (!f.out.empty()) write_file_atomically(f.out, r.rates.to_json().dump(2) + "\n");
  if (ctx.global.json) {
    nlohmann::json j = r.to_json();
    j["fingerprint_id"] = fingerprint;
    j["db"] = f.no_db ? nlohmann::json(nullptr) : nlohmann::json(f.db);
    if (!f.out.empty()) j["out"] = f.out;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("calibrated in {:.1f} s: {}\n", r.seconds, r.rates.source);
    if (!f.no_db) fmt::print("stored in {} (table calibrations, fingerprint {})\n", f.db, fingerprint);
    if (!f.out.empty()) fmt::print("rates written to {}\n", f.out);
  }
  return 0;
}

void add_calibrate_command(CLI::App& app, Context& ctx) {
  auto* cmd =
      app.add_subcommand("calibrate", "Measure the cost model's rates on this machine and store them");
  auto f = std::make_shared<CalibrateFlags>();
  add_world_option(*cmd, f->world,
                   "Ranks whose per-rank rates are measured (threads; under mpirun: the MPI world)", 64);
  cmd->add_option("--threads", f->threads,
                  "Compute threads per rank (0: cores / ranks in process, as the runtime)")
      ->capture_default_str()
      ->check(at_least(0));
  add_timeout_flag(*cmd);
  cmd->add_flag("--quick", f->quick, "About 3 s: one kernel variant (64x64), fewer samples");
  cmd->add_option("--tiles", f->tiles,
                  "Kernel variants to measure, TQxTKV[,...] (default 32/64/128 x 32/64/128)");
  cmd->add_option("--db", f->db, "Database to store the rates in (created when missing)")
      ->capture_default_str();
  cmd->add_flag("--no-db", f->no_db, "Do not store the rates in a database");
  add_progress_flag(*cmd, f->progress);
  add_output_option(*cmd, f->out, "Also write the rates as JSON to this file (plan --rates reads it)");
  cmd->callback([&ctx, f] { ctx.action = [&ctx, f] { return run_calibrate(*f, ctx); }; });
}

}  // namespace

BURST_CLI_COMMAND(80, add_calibrate_command);

}  // namespace burst::cli
