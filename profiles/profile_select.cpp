// Selection of a profile entry for one call: exact bucket -> nearest bucket -> foreign fingerprint
// (policy permitting) -> defaults; then resolution of the entry's parameters for this backend.
#include <cmath>
#include <set>
#include <sstream>

#include "burst/error.hpp"
#include "profiles/json_check.hpp"

namespace burst {
namespace {

struct Candidate {
  std::size_t file = 0, index = 0;
  double distance = 0.0;
  bool launch_match = true;  // the entry's launch equals the call's (or the entry predates launch)
  const ProfileEntry* entry = nullptr;
};

bool shape_matches(const WorkloadKey& k, const WorkloadQuery& q) {
  const std::int64_t kv = q.kv_heads > 0 ? q.kv_heads : q.heads;
  return k.world_size == q.world_size && k.heads == q.heads && k.kv_heads == kv && k.head_dim == q.head_dim &&
         k.dtype == q.dtype && k.causal == q.causal && k.mask_kind() == q.mask_kind() && k.pass == q.pass;
}

// An entry of the call's launch wins over one of another launch (threads and processes move bytes
// differently); then the smaller distance; on a tie the smaller bucket, then the earlier one in
// search-path order.
bool better(const Candidate& a, const Candidate& b) {
  if (a.launch_match != b.launch_match) return a.launch_match;
  if (a.distance != b.distance) return a.distance < b.distance;
  if (a.entry->key.seq_min != b.entry->key.seq_min) return a.entry->key.seq_min < b.entry->key.seq_min;
  return a.entry->key.seq_max < b.entry->key.seq_max;
}

std::optional<Candidate> best_candidate(const ProfileSet& set, const Fingerprint& here,
                                        const WorkloadQuery& q, bool same_fingerprint) {
  std::optional<Candidate> best;
  for (std::size_t f = 0; f < set.profiles.size(); ++f) {
    if ((set.profiles[f].profile.fingerprint == here) != same_fingerprint) continue;
    const auto& entries = set.profiles[f].profile.entries;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (!shape_matches(entries[i].key, q)) continue;
      const WorkloadKey& k = entries[i].key;
      Candidate c{f, i, bucket_distance(q.seq, k.seq_min, k.seq_max), !k.launch || *k.launch == q.launch,
                  &entries[i]};
      if (!best || better(c, *best)) best = c;
    }
  }
  return best;
}

// The fields in which the entry's system differs from this one: "cpu_model \"A\" here \"B\"".
std::string fingerprint_difference(const Fingerprint& theirs, const Fingerprint& here) {
  std::vector<std::string> out;
  auto text = [&](const char* name, const std::string& a, const std::string& b) {
    if (a != b) out.push_back(std::string(name) + " \"" + a + "\", here \"" + b + "\"");
  };
  auto count = [&](const char* name, int a, int b) {
    if (a != b) out.push_back(std::string(name) + " " + std::to_string(a) + ", here " + std::to_string(b));
  };
  auto classes = [](const std::vector<std::string>& c) {
    std::string t;
    for (const auto& x : c) t += (t.empty() ? "" : ",") + x;
    return "[" + t + "]";
  };
  text("backend", theirs.backend, here.backend);
  text("cpu_model", theirs.cpu_model, here.cpu_model);
  count("cpu_cores", theirs.cpu_cores, here.cpu_cores);
  text("gpu_model", theirs.gpu_model, here.gpu_model);
  count("gpu_count", theirs.gpu_count, here.gpu_count);
  text("compute_capability", theirs.compute_capability, here.compute_capability);
  count("sm_count", theirs.sm_count, here.sm_count);
  text("driver_version", theirs.driver_version, here.driver_version);
  text("cuda_version", theirs.cuda_version, here.cuda_version);
  text("nccl_version", theirs.nccl_version, here.nccl_version);
  count("nodes", theirs.nodes, here.nodes);
  text("link_classes", classes(theirs.link_classes), classes(here.link_classes));
  std::string joined;
  for (const auto& o : out) joined += (joined.empty() ? "" : "; ") + o;
  return joined.empty() ? "identical fields" : joined;
}

std::string where(const ProfileSet& set, const Candidate& c) {
  return "entry " + std::to_string(c.index) + " of " + set.profiles[c.file].file;
}

std::string range_text(const WorkloadKey& k) {
  return "[" + std::to_string(k.seq_min) + ", " + std::to_string(k.seq_max) + "]";
}

// What the profiles do hold for this shape when no entry matches: entries that differ from the
// call only in the pass or the world size, so the user sees which flag to change.
std::string near_misses(const ProfileSet& set, const WorkloadQuery& q) {
  std::set<std::string> passes, worlds;
  const std::int64_t kv = q.kv_heads > 0 ? q.kv_heads : q.heads;
  for (const auto& loaded : set.profiles) {
    for (const auto& e : loaded.profile.entries) {
      const WorkloadKey& k = e.key;
      const bool same_shape = k.heads == q.heads && k.kv_heads == kv && k.head_dim == q.head_dim &&
                              k.dtype == q.dtype && k.causal == q.causal && k.mask_kind() == q.mask_kind();
      if (!same_shape) continue;
      if (k.world_size == q.world_size && k.pass != q.pass) passes.insert(std::string(to_string(k.pass)));
      if (k.pass == q.pass && k.world_size != q.world_size) worlds.insert(std::to_string(k.world_size));
    }
  }
  auto list = [](const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  };
  std::string out;
  if (!passes.empty()) out += "; entries for this shape exist for pass " + list(passes) + " (--pass)";
  if (!worlds.empty()) out += "; entries for this shape exist for world " + list(worlds);
  return out;
}

void resolve_params(Selection& s, const std::string& entry_backend) {
  const bool cpu = s.backend == Backend::cpu;
  const std::string here_backend(to_string(s.backend));
  std::vector<std::string> missing;
  if (s.entry) s.applied = s.entry->params;
  for (const auto& spec : schedule_params()) {
    ResolvedParam r{std::string(spec.name), profiles::default_param_text(spec), ParamOrigin::default_value};
    const bool present = s.entry && s.entry->params.has(spec.name);
    if (present && spec.cuda_only && cpu) {
      r.origin = ParamOrigin::ignored;
      s.applied.clear(spec.name);
      s.warnings.push_back(r.name + " applies only to the CUDA backend; ignored on cpu");
    } else if (present && spec.kernel && entry_backend != here_backend) {
      r.origin = ParamOrigin::ignored;
      s.applied.clear(spec.name);
      s.warnings.push_back(r.name + " was tuned for the " + entry_backend +
                           " backend's kernels; ignored on " + here_backend);
    } else if (present) {
      profiles::apply_param(spec, s.entry->params, s.schedule);
      r.value = *s.entry->params.get(spec.name);
      r.origin = ParamOrigin::entry;
    } else if (s.entry && !(spec.cuda_only && cpu)) {
      missing.push_back(r.name);
    }
    s.params.push_back(std::move(r));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    s.warnings.push_back("entry " + std::to_string(s.entry_index) + " of " + s.file + " lacks " + list +
                         "; the defaults are used");
  }
}

}  // namespace

std::string_view to_string(ProfilePolicy p) noexcept {
  switch (p) {
    case ProfilePolicy::strict:
      return "strict";
    case ProfilePolicy::warn:
      return "warn";
    case ProfilePolicy::ignore:
      return "ignore";
  }
  return "?";
}

ProfilePolicy parse_profile_policy(std::string_view s) {
  if (s == "strict") return ProfilePolicy::strict;
  if (s == "warn") return ProfilePolicy::warn;
  if (s == "ignore") return ProfilePolicy::ignore;
  throw InvalidArgument("profile policy '" + std::string(s) + "' is not one of strict|warn|ignore");
}

std::string_view to_string(SelectionSource s) noexcept {
  switch (s) {
    case SelectionSource::exact:
      return "exact";
    case SelectionSource::nearest_bucket:
      return "nearest_bucket";
    case SelectionSource::foreign_fingerprint:
      return "foreign_fingerprint";
    case SelectionSource::defaults:
      return "defaults";
  }
  return "?";
}

std::string_view to_string(ParamOrigin o) noexcept {
  switch (o) {
    case ParamOrigin::entry:
      return "entry";
    case ParamOrigin::default_value:
      return "default";
    case ParamOrigin::ignored:
      return "ignored";
  }
  return "?";
}

WorkloadQuery make_workload_query(const AttentionShape& shape, int world_size, Pass pass, Launch launch) {
  WorkloadQuery q;
  q.world_size = world_size;
  q.launch = launch;
  q.heads = shape.heads;
  q.kv_heads = shape.kv_heads_or_heads();
  q.head_dim = shape.head_dim;
  q.dtype = shape.dtype;
  q.causal = shape.causal;
  q.mask = shape.mask_kind();
  q.pass = pass;
  q.seq = shape.seq;
  return q;
}

double bucket_distance(std::int64_t seq, std::int64_t seq_min, std::int64_t seq_max) noexcept {
  if (seq <= 0) return std::numeric_limits<double>::infinity();
  if (seq < seq_min) return std::log(static_cast<double>(seq_min) / static_cast<double>(seq));
  if (seq > seq_max) return std::log(static_cast<double>(seq) / static_cast<double>(seq_max));
  return 0.0;
}

Selection select_profile_entry(const ProfileSet& set, const Fingerprint& here, const WorkloadQuery& q,
                               ProfilePolicy policy, Backend backend) {
  Selection s;
  s.backend =
      backend != Backend::auto_select ? backend : (here.backend == "cuda" ? Backend::cuda : Backend::cpu);
  const std::string n = "N=" + std::to_string(q.seq);
  std::optional<Candidate> chosen = best_candidate(set, here, q, true);
  if (chosen) {
    s.fingerprint_match = true;
    if (chosen->distance == 0.0) {
      s.source = SelectionSource::exact;
      s.explanation =
          where(set, *chosen) + ": this fingerprint, " + n + " in " + range_text(chosen->entry->key);
    } else {
      s.source = SelectionSource::nearest_bucket;
      std::ostringstream d;
      d.precision(3);
      d << chosen->distance;
      s.explanation = where(set, *chosen) + ": this fingerprint, nearest sequence bucket " +
                      range_text(chosen->entry->key) + " to " + n + " (log-ratio distance " + d.str() + ")";
    }
  } else if (auto foreign = best_candidate(set, here, q, false)) {
    const auto& fp = set.profiles[foreign->file].profile.fingerprint;
    const std::string what = where(set, *foreign) +
                             " matches this shape but was measured on another system (" +
                             fingerprint_difference(fp, here) + ")";
    if (policy == ProfilePolicy::strict) {
      s.explanation = "built-in defaults: " + what + "; policy strict refuses it";
      s.warnings.push_back(what + "; refused under policy strict, using the defaults");
    } else {
      chosen = foreign;
      s.source = SelectionSource::foreign_fingerprint;
      s.explanation = what + "; used under policy " + std::string(to_string(policy));
      if (policy == ProfilePolicy::warn) s.warnings.push_back(what + "; using it (policy warn)");
    }
  } else {
    s.explanation = "built-in defaults: no profile entry for world " + std::to_string(q.world_size) +
                    ", heads " + std::to_string(q.heads) + ", kv_heads " +
                    std::to_string(q.kv_heads > 0 ? q.kv_heads : q.heads) + ", head_dim " +
                    std::to_string(q.head_dim) + ", " + std::string(to_string(q.dtype)) + ", " +
                    std::string(to_string(q.mask_kind())) +
                    (q.causal && q.mask_kind() == MaskKind::sliding_window ? " (causal)" : "") + ", pass " +
                    std::string(to_string(q.pass)) + near_misses(set, q);
  }
  std::string entry_backend(to_string(s.backend));
  if (chosen && !chosen->entry->measured.reliable) {
    s.warnings.push_back("entry " + std::to_string(chosen->index) + " of " + set.profiles[chosen->file].file +
                         " was measured under noise above tune's --max-noise (noise " +
                         std::to_string(std::lround(chosen->entry->measured.noise * 100)) +
                         "%): its speedup is not established");
  }
  if (chosen && !chosen->launch_match) {
    const std::string note =
        "entry " + std::to_string(chosen->index) + " of " + set.profiles[chosen->file].file +
        " was tuned with " + std::string(to_string(*chosen->entry->key.launch)) + " and this job runs " +
        std::string(to_string(q.launch)) + " (no entry of this launch): its timings may not carry over";
    s.explanation += "; " + note;
    s.warnings.push_back(note);
  }
  if (chosen) {
    s.entry = *chosen->entry;
    s.file = set.profiles[chosen->file].file;
    s.entry_index = static_cast<int>(chosen->index);
    entry_backend = set.profiles[chosen->file].profile.fingerprint.backend;
  }
  resolve_params(s, entry_backend);
  return s;
}

}  // namespace burst
