// Glue of `tune --replay` and `--strategy model` (filled once replay and the cost model land).
#include "burst/error.hpp"
#include "cli/tune_output.hpp"
#include "tuner/calibrate.hpp"
#include "tuner/cost_model.hpp"

#include <algorithm>

namespace burst::cli {

int replay_command(const std::string&, const std::string&, std::uint64_t, int, double, bool) {
  throw InvalidArgument("--replay: not available in this build yet");
}

std::function<double(const tuner::Workload&, const tuner::Candidate&)> model_predictor(const std::string& db,
                                                                                        const Fingerprint& here,
                                                                                        Communicator* mpi) {
  const int world = mpi != nullptr ? mpi->size() : std::max(1, here.ranks_per_node);
  const tuner::MachineRates rates = tuner::load_or_calibrate(db, here.id(), world, mpi);
  return [rates](const tuner::Workload& w, const tuner::Candidate& c) { return tuner::predict(w, c, rates).total_s; };
}

}  // namespace burst::cli
