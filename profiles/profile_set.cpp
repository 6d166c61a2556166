// Profile sets from search paths, the cached selector, and the process-wide one from BURST_PROFILE.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "burst/error.hpp"
#include "burst/log.hpp"
#include "burst/profile.hpp"

namespace burst {

ProfileSet load_profile_set(const std::string& search_path) {
  namespace fs = std::filesystem;
  ProfileSet set;
  std::size_t begin = 0;
  while (begin <= search_path.size()) {
    std::size_t end = search_path.find(':', begin);
    if (end == std::string::npos) end = search_path.size();
    const std::string item = search_path.substr(begin, end - begin);
    begin = end + 1;
    if (item.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(item, ec)) {
      std::vector<std::string> files;
      for (const auto& f : fs::directory_iterator(item, ec))
        if (f.is_regular_file(ec) && f.path().extension() == ".json") files.push_back(f.path().string());
      if (ec) throw InvalidArgument(item + ": cannot list the directory: " + ec.message());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) set.profiles.push_back({f, read_profile(f)});
    } else if (fs::exists(item, ec)) {
      set.profiles.push_back({item, read_profile(item)});
    } else {
      throw InvalidArgument(item + ": no such profile file or directory (in profile search path \"" +
                            search_path + "\")");
    }
  }
  return set;
}

struct ProfileSelector::Impl {
  ProfileSet set;
  ProfilePolicy policy;
  mutable std::shared_mutex mutex;
  mutable std::map<std::string, std::shared_ptr<const Selection>> cache;
};

ProfileSelector::ProfileSelector(ProfileSet set, ProfilePolicy policy) : impl_(std::make_unique<Impl>()) {
  impl_->set = std::move(set);
  impl_->policy = policy;
}

ProfileSelector::~ProfileSelector() = default;

std::shared_ptr<const Selection> ProfileSelector::select(const Fingerprint& here, const WorkloadQuery& q,
                                                         Backend backend) const {
  const std::string key =
      here.id() + "|" + std::to_string(q.world_size) + "|" + std::string(to_string(q.launch)) + "|" +
      std::to_string(q.heads) + "|" + std::to_string(q.kv_heads > 0 ? q.kv_heads : q.heads) + "|" +
      std::to_string(q.head_dim) + "|" + std::string(to_string(q.dtype)) + "|" + (q.causal ? "c" : "n") +
      std::string(to_string(q.mask_kind())) + "|" + std::string(to_string(q.pass)) + "|" +
      std::to_string(q.seq) + "|" + std::string(to_string(backend));
  {
    std::shared_lock lock(impl_->mutex);
    auto it = impl_->cache.find(key);
    if (it != impl_->cache.end()) return it->second;
  }
  auto made =
      std::make_shared<const Selection>(select_profile_entry(impl_->set, here, q, impl_->policy, backend));
  std::shared_ptr<const Selection> result;
  bool inserted = false;
  {
    std::unique_lock lock(impl_->mutex);
    auto [it, fresh] = impl_->cache.emplace(key, made);
    result = it->second;
    inserted = fresh;
  }
  if (inserted) {
    for (const auto& w : result->warnings) log_warning(w);
  }
  return result;
}

const ProfileSet& ProfileSelector::profiles() const noexcept {
  return impl_->set;
}
ProfilePolicy ProfileSelector::policy() const noexcept {
  return impl_->policy;
}

std::size_t ProfileSelector::cache_size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->cache.size();
}

namespace {

// Loaded on first use under `init`; a load that throws leaves `selector` empty, so the next call
// tries again. (Not std::call_once: its retry after an exception hangs under ThreadSanitizer and
// on some libstdc++ targets, GCC bug 66146.)
struct EnvironmentState {
  std::mutex init;
  std::unique_ptr<ProfileSelector> selector;
};

std::mutex& environment_mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<EnvironmentState>& environment_slot() {
  static std::shared_ptr<EnvironmentState> state = std::make_shared<EnvironmentState>();
  return state;
}

std::shared_ptr<EnvironmentState> environment_state() {
  std::lock_guard lock(environment_mutex());
  return environment_slot();
}

}  // namespace

const ProfileSelector& environment_profile_selector() {
  // The state is kept alive by the slot until a test resets it; callers must not hold the reference
  // across reset_environment_profile_selector().
  std::shared_ptr<EnvironmentState> state = environment_state();
  std::lock_guard lock(state->init);
  if (!state->selector) {
    const char* path = std::getenv("BURST_PROFILE");
    const char* policy_text = std::getenv("BURST_PROFILE_POLICY");
    ProfilePolicy policy = ProfilePolicy::warn;
    if (policy_text && *policy_text) {
      try {
        policy = parse_profile_policy(policy_text);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(std::string("BURST_PROFILE_POLICY: ") + e.what());
      }
    }
    ProfileSet set = path && *path ? load_profile_set(path) : ProfileSet{};
    log_info("profiles: " + std::to_string(set.profiles.size()) + " file(s) from BURST_PROFILE, policy " +
             std::string(to_string(policy)));
    state->selector = std::make_unique<ProfileSelector>(std::move(set), policy);
  }
  return *state->selector;
}

void reset_environment_profile_selector() {
  std::lock_guard lock(environment_mutex());
  environment_slot() = std::make_shared<EnvironmentState>();
}

}  // namespace burst
