// choose_schedule(): the schedule a training job's call gets from the tuned profiles. The one
// place libburst's callers (the C ABI, the PyTorch binding, C++ jobs) ask, so they all select the
// same way `burst-tune run --profile` and `explain` do (docs/profiles.md, "Selection").
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "burst/attention.hpp"
#include "burst/error.hpp"
#include "burst/system.hpp"

namespace burst {
namespace {

// Selectors for explicit search paths, loaded once per process like the environment's. A path
// that fails to load is not kept, so the next call reports the error again.
const ProfileSelector& path_selector(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<ProfileSelector>> selectors;
  std::lock_guard lock(mutex);
  auto it = selectors.find(path);
  if (it == selectors.end()) {
    ProfilePolicy policy = ProfilePolicy::warn;
    if (const char* text = std::getenv("BURST_PROFILE_POLICY"); text != nullptr && *text != '\0') {
      try {
        policy = parse_profile_policy(text);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(std::string("BURST_PROFILE_POLICY: ") + e.what());
      }
    }
    it = selectors.emplace(path, std::make_unique<ProfileSelector>(load_profile_set(path), policy)).first;
  }
  return *it->second;
}

// 48 bits of FNV-1a over the schedule's parameters: exact in a double, so two ranks' choices can
// be compared with allreduce_max.
double schedule_hash(const Schedule& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& [name, value] : ProfileParams::from_schedule(s).values) {
    for (const unsigned char c : name + "=" + value + ";") {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  }
  return static_cast<double>(h >> 16);
}

}  // namespace

Launch launch_of(const Communicator& world) noexcept {
  return world.backend() == "local" ? Launch::threads : Launch::processes;
}

ScheduleChoice choose_schedule(Communicator& world, const AttentionShape& shape, Pass pass, Backend backend,
                               const std::string& profile_path) {
  ScheduleChoice choice;
  choice.fingerprint = system_fingerprint(&world);
  const ProfileSelector& selector =
      profile_path.empty() ? environment_profile_selector() : path_selector(profile_path);
  choice.selection = selector.select(
      choice.fingerprint, make_workload_query(shape, world.size(), pass, launch_of(world)), backend);
  choice.schedule = choice.selection->schedule;
  // Ranks in several processes may read different files or run on different hosts; a ring whose
  // ranks disagree on the schedule would exchange wrongly sized blocks, so refuse it here.
  if (world.size() > 1 && launch_of(world) == Launch::processes) {
    const double mine = schedule_hash(choice.schedule);
    double v[2] = {mine, -mine};
    world.allreduce_max(v, 2);
    if (v[0] != -v[1]) {
      throw InvalidArgument("profile selection: the ranks chose different schedules (rank " +
                            std::to_string(world.rank()) + ": " + choice.selection->explanation +
                            "); give every rank the same BURST_PROFILE files and hardware");
    }
  }
  return choice;
}

}  // namespace burst
