// Tuned profiles: the JSON files burst-tune writes and libburst reads to pick a Schedule for each
// call's shape. docs/profiles.md documents the format field by field, the selection order, the
// policies, the environment variables and every validation message. Implementation: profiles/.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "burst/fingerprint.hpp"
#include "burst/params.hpp"
#include "burst/schedule.hpp"
#include "burst/types.hpp"

namespace burst {

// What write_profile writes. 1.1 added key.launch and dropped fingerprint.ranks_per_node (both
// read either way).
inline constexpr std::string_view profile_schema_name = "burst-profile/1.1";
inline constexpr int profile_schema_major = 1;  // "burst-profile/1" and "burst-profile/1.N" are read

// What an entry was tuned for. An entry applies to a call with the same world size, heads, KV
// heads, head dim, dtype, causal flag and pass whose global sequence length N lies in
// [seq_min, seq_max] (inclusive). `launch` (how the ranks ran; absent in files that predate it:
// any) is preferred equal, not required: an entry tuned on threads still serves a job of
// processes when no entry of processes exists, with a note (docs/profiles.md).
struct WorkloadKey {
  int world_size = 1;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // always given (equal to heads for multi-head attention)
  std::int64_t head_dim = 0;
  DType dtype = DType::f32;
  bool causal = false;
  Pass pass = Pass::fwd;
  std::int64_t seq_min = 0;
  std::int64_t seq_max = 0;
  std::optional<Launch> launch;
  // The mask kind (burst/mask.hpp); absent in files that predate masks: full or causal by `causal`.
  // Document lengths and window sizes are not part of the key: one kind's entry serves them all.
  std::optional<MaskKind> mask = std::nullopt;
  MaskKind mask_kind() const { return mask ? *mask : (causal ? MaskKind::causal : MaskKind::full); }
  bool operator==(const WorkloadKey&) const = default;
};

// The tuned parameters of an entry, by their parameter-table names ("kernel.tile_q", "ring.chunks",
// burst/params.hpp) with values as the table spells them ("64", "zigzag"). Each one may be missing
// (the default then applies, with a warning).
struct ProfileParams {
  std::map<std::string, std::string, std::less<>> values;

  bool has(std::string_view name) const { return values.find(name) != values.end(); }
  std::optional<std::string> get(std::string_view name) const;
  void set(std::string_view name, std::string value) { values[std::string(name)] = std::move(value); }
  void set(std::string_view name, std::int64_t value) { set(name, std::to_string(value)); }
  void clear(std::string_view name);
  // Every parameter of `schedule` (CUDA launch-shape ones only when non-zero).
  static ProfileParams from_schedule(const Schedule& schedule);
  bool operator==(const ProfileParams&) const = default;
};

struct ProfileMeasured {
  double median_s = 0.0;            // median time of one call (critical path over ranks), seconds
  double noise = 0.0;               // relative noise of that median (0.02 = 2 %)
  double tflops = 0.0;              // attention FLOPs / median_s / 1e12
  double speedup_vs_default = 0.0;  // default configuration's median / this median
  // False when the winner's or the default's noise stayed above tune's --max-noise: the speedup is
  // not established (the file says "reliable": false; selection warns when it uses the entry).
  bool reliable = true;
  bool operator==(const ProfileMeasured&) const = default;
};

struct ProfileProvenance {
  std::string tool_version;                          // burst-tune version that measured it
  std::string date;                                  // ISO 8601 UTC, "2025-01-31T12:00:00Z"
  std::string db;                                    // database file the trials are recorded in ("" unknown)
  std::optional<std::int64_t> session_id, trial_id;  // rows in that database
  bool operator==(const ProfileProvenance&) const = default;
};

struct ProfileEntry {
  WorkloadKey key;
  ProfileParams params;
  ProfileMeasured measured;
  ProfileProvenance provenance;
  bool operator==(const ProfileEntry&) const = default;
};

struct Profile {
  std::string schema{profile_schema_name};
  Fingerprint fingerprint;
  std::vector<ProfileEntry> entries;
  bool operator==(const Profile&) const = default;
};

// ---- reading, writing, validating ----

enum class Severity : std::uint8_t { warning, error };

struct ProfileProblem {
  Severity severity = Severity::error;
  std::string file;
  std::string json_path;  // "$.entries[2].params[\"ring.chunks\"]"
  std::string message;
  // "FILE: error: $.entries[2].key.heads: expected integer >= 1, got \"8\""
  std::string to_string() const;
};

// All problems of a file (a missing file or a JSON syntax error is one error at "$").
// `parsed`, when given, receives the profile (meaningful only without errors).
std::vector<ProfileProblem> validate_profile(const std::string& path, Profile* parsed = nullptr);
std::vector<ProfileProblem> validate_profile_text(std::string_view text, const std::string& file);
bool has_errors(const std::vector<ProfileProblem>& problems);

// Throw burst::InvalidArgument with the first error ("FILE: $.path: message (and N more errors)");
// warnings go to burst::log_warning. `file` names the text in messages.
Profile read_profile(const std::string& path);
Profile parse_profile(std::string_view text, const std::string& file);

std::string profile_to_json_text(const Profile& profile);             // 2-space indented, trailing newline
void write_profile(const Profile& profile, const std::string& path);  // atomic (temp file + rename)

// Merging: per key (WorkloadKey equality, sequence range included) the faster entry wins, where
// two entries are a tie when |t_a - t_b| <= max(noise_a * t_a, noise_b * t_b); on a tie the entry
// already in `base` stays. Entries only in `incoming` are appended. Throws InvalidArgument when
// the fingerprints differ (a profile describes one system).
struct MergeStats {
  int added = 0, replaced = 0, kept = 0, ties = 0;
};
Profile merge_profiles(const Profile& base, const Profile& incoming, MergeStats* stats = nullptr);
bool entries_tie(const ProfileMeasured& a, const ProfileMeasured& b) noexcept;

// ---- selection ----

// strict: only entries of this fingerprint; warn (default): a foreign-fingerprint entry may be
// used, with a warning; ignore: foreign entries are used silently.
enum class ProfilePolicy : std::uint8_t { strict, warn, ignore };
std::string_view to_string(ProfilePolicy p) noexcept;
ProfilePolicy parse_profile_policy(std::string_view s);  // "strict" "warn" "ignore"

// One call's workload: like WorkloadKey but with the actual global sequence length.
struct WorkloadQuery {
  int world_size = 1;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // 0 means heads
  std::int64_t head_dim = 0;
  DType dtype = DType::f32;
  bool causal = false;
  Pass pass = Pass::fwd;
  std::int64_t seq = 0;
  Launch launch = Launch::threads;
  MaskKind mask = MaskKind::full;  // the call's mask kind (AttentionShape::mask_kind)
  // full and causal follow `causal` (so a query that only sets causal means the causal mask).
  MaskKind mask_kind() const {
    if (mask != MaskKind::full && mask != MaskKind::causal) return mask;
    return causal ? MaskKind::causal : MaskKind::full;
  }
  bool operator==(const WorkloadQuery&) const = default;
};
WorkloadQuery make_workload_query(const AttentionShape& shape, int world_size, Pass pass,
                                  Launch launch = Launch::threads);

// Log-ratio distance of seq to [seq_min, seq_max]: 0 inside, |ln(seq / nearest end)| outside.
double bucket_distance(std::int64_t seq, std::int64_t seq_min, std::int64_t seq_max) noexcept;

struct LoadedProfile {
  std::string file;
  Profile profile;
};
struct ProfileSet {
  std::vector<LoadedProfile> profiles;  // in search-path order
};

// A search path: items separated by ':'; a file is read, a directory contributes its *.json files
// (not recursive) in name order. A missing item or an invalid file throws InvalidArgument.
ProfileSet load_profile_set(const std::string& search_path);

enum class SelectionSource : std::uint8_t { exact, nearest_bucket, foreign_fingerprint, defaults };
std::string_view to_string(SelectionSource s) noexcept;

enum class ParamOrigin : std::uint8_t { entry, default_value, ignored };
std::string_view to_string(ParamOrigin o) noexcept;

struct ResolvedParam {
  std::string name;   // "ring.chunks"
  std::string value;  // value in effect, as the profile spells it; "-" for a CUDA-only one on CPU
  ParamOrigin origin = ParamOrigin::default_value;
};

struct Selection {
  SelectionSource source = SelectionSource::defaults;
  std::optional<ProfileEntry> entry;  // the entry used (none for defaults)
  std::string file;                   // its file
  int entry_index = -1;               // its index in that file's "entries"
  bool fingerprint_match = false;
  Backend backend = Backend::cpu;     // resolved backend the parameters were checked against
  Schedule schedule;                  // defaults overridden by the entry's applicable parameters
                                      // (warps/stages: the CUDA launch shape, 0 unless the entry sets it)
  ProfileParams applied;              // exactly the parameters taken from the entry
  std::vector<ResolvedParam> params;  // every parameter, value in effect and where it came from
  std::vector<std::string> warnings;
  std::string explanation;  // one line: which entry and why
};

// Human-readable report of a selection (what `burst-tune explain` prints).
std::string describe_selection(const Selection& s);

// Pure selection, no cache. Order: entry of this fingerprint whose range holds seq -> same
// fingerprint, nearest sequence bucket -> a foreign-fingerprint entry (policy permitting) ->
// built-in defaults. Backend::auto_select resolves to here.backend.
Selection select_profile_entry(const ProfileSet& set, const Fingerprint& here, const WorkloadQuery& query,
                               ProfilePolicy policy, Backend backend);

// A profile set with a thread-safe per-(fingerprint, query, backend) cache of selections.
class ProfileSelector {
 public:
  ProfileSelector(ProfileSet set, ProfilePolicy policy);
  ~ProfileSelector();
  ProfileSelector(const ProfileSelector&) = delete;
  ProfileSelector& operator=(const ProfileSelector&) = delete;

  // The warnings of a selection are logged (burst::log_warning) the first time it is made.
  std::shared_ptr<const Selection> select(const Fingerprint& here, const WorkloadQuery& query,
                                          Backend backend = Backend::auto_select) const;
  const ProfileSet& profiles() const noexcept;
  ProfilePolicy policy() const noexcept;
  std::size_t cache_size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Process-wide selector from the environment: BURST_PROFILE (a search path; unset or empty: no
// profiles, every call gets the defaults) and BURST_PROFILE_POLICY (strict|warn|ignore, default
// warn). Loaded once on first use (thread-safe); a failed load throws InvalidArgument and is
// retried on the next call.
const ProfileSelector& environment_profile_selector();
// Tests only: forget the loaded environment state so the next call reads the variables again.
void reset_environment_profile_selector();

}  // namespace burst
