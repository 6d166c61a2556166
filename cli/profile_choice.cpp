#include "cli/profile_choice.hpp"

#include <string>

#include "burst/log.hpp"
#include "burst/system.hpp"

namespace burst::cli {

Fingerprint fingerprint_here(Communicator* mpi_world) {
  return system_fingerprint(mpi_world);  // the one libburst and the C ABI compute
}

int ranks_per_node_here(int world, Communicator* mpi_world) {
  if (mpi_world != nullptr) return detect_system(mpi_world).ranks_per_node;
  return world;
}

Schedule override_given(Schedule base, const ScheduleFlags& flags, const CLI::App& cmd) {
  const Schedule given = flags.to_schedule();
  for (const ParamDesc& p : schedule_params())
    if (cmd.count(std::string(p.flag)) > 0) p.set(base, p.get(given));
  auto has = [&](const char* name) { return cmd.count(name) > 0; };
  base.threads = given.threads;  // an execution setting, never from a profile
  if (base.overlap != Overlap::chunk_pipeline && base.chunks != 1 && !has("--chunks")) {
    log_warning("profile sets ring.chunks " + std::to_string(base.chunks) + " with ring.overlap " +
                std::string(to_string(base.overlap)) + ", which moves whole blocks: using 1 chunk");
    base.chunks = 1;
  }
  return base;
}

}  // namespace burst::cli
