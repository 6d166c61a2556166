// Flags of one configuration run (burst-tune run, burst-tune trace) and their translation to a
// tuner::TrialSpec; the result printers for humans and for --json.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burst/profile.hpp"
#include "cli/check_output.hpp"
#include "cli/defaults.hpp"
#include "cli/shape_flags.hpp"
#include "tuner/trial.hpp"

namespace burst::cli {

struct RunFlags {
  ShapeFlags shape;
  ScheduleFlags schedule;
  std::string backend = "auto", pass = defaults::pass;
  int world = defaults::world, warmup = 1, iters = 3;
  std::uint64_t seed = 0;
  bool check = false;
  std::string q, k, v, dout, save;
  std::string profile, policy = "warn";
  CLI::App* cmd = nullptr;
};

void add_run_flags(CLI::App& cmd, RunFlags& f);

// --timeout-ms MS, the one deadline flag of every command that communicates (run, trace, tune,
// calibrate): when given it overrides BURST_COMM_TIMEOUT_MS and the 120 s default for every
// communicator this process makes (burst::set_default_comm_deadline; docs/comm.md).
void add_timeout_flag(CLI::App& cmd);
// Refuses a malformed BURST_COMM_TIMEOUT_MS (when no --timeout-ms overrides it) before the command
// does anything, instead of in the first communicator, which tune records as a failed candidate.
void check_comm_deadline();

// The MPI world when launched by mpirun (nullptr otherwise) and the backend actually used.
struct RunEnvironment {
  std::unique_ptr<Communicator> mpi_world;
  std::string backend;  // "cpu"
  std::string backend_reason;
  std::optional<Selection> profile;  // what --profile chose, when given
  bool is_root() const { return mpi_world == nullptr || mpi_world->rank() == 0; }
};
RunEnvironment make_run_environment(const RunFlags& f);

// The trial to run; with --profile, the schedule comes from the profile's selection for this shape
// (recorded in env.profile) and every schedule flag given on the command line overrides it.
tuner::TrialSpec to_trial_spec(const RunFlags& f, RunEnvironment& env);

nlohmann::json result_json(const tuner::TrialSpec& spec, const tuner::TrialResult& r,
                           const RunEnvironment& env);
void print_result(const tuner::TrialSpec& spec, const tuner::TrialResult& r, const RunEnvironment& env);

}  // namespace burst::cli
