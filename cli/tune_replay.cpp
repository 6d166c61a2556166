// Glue of `tune --replay` and `--strategy model` (filled once replay and the cost model land).
#include "burst/error.hpp"
#include "cli/tune_output.hpp"

namespace burst::cli {

int replay_command(const std::string&, const std::string&, std::uint64_t, int, double, bool) {
  throw InvalidArgument("--replay: not available in this build yet");
}

std::function<double(const tuner::Workload&, const tuner::Candidate&)> model_predictor(const std::string&,
                                                                                        const Fingerprint&,
                                                                                        Communicator*) {
  throw InvalidArgument("--strategy model: not available in this build yet");
}

}  // namespace burst::cli
