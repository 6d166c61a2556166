// Reading, validating, writing and merging profile files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/atomic_file.hpp"
#include "burst/error.hpp"
#include "burst/log.hpp"
#include "profiles/json_check.hpp"

namespace burst {
namespace {

using profiles::json;

// Parses and checks the text; `profile` is filled when the document parsed.
std::vector<ProfileProblem> check_text(std::string_view text, const std::string& file, Profile* profile) {
  profiles::JsonChecker check(file);
  const std::optional<json> doc = profiles::parse_json_document(text, check);
  if (!doc) return std::move(check.problems());
  Profile p = profiles::profile_from_json(*doc, check);
  if (profile) *profile = std::move(p);
  return std::move(check.problems());
}

std::string read_file_text(const std::string& path, bool& ok, std::string& why) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    ok = false;
    why = std::filesystem::exists(path, ec) ? "not a regular file" : "no such file";
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  ok = static_cast<bool>(in) || in.eof();
  if (!ok) why = "cannot read the file";
  return text.str();
}

}  // namespace

std::string ProfileProblem::to_string() const {
  return file + ": " + (severity == Severity::error ? "error: " : "warning: ") + json_path + ": " + message;
}

bool has_errors(const std::vector<ProfileProblem>& problems) {
  for (const auto& p : problems)
    if (p.severity == Severity::error) return true;
  return false;
}

std::vector<ProfileProblem> validate_profile_text(std::string_view text, const std::string& file) {
  return check_text(text, file, nullptr);
}

std::vector<ProfileProblem> validate_profile(const std::string& path, Profile* parsed) {
  bool ok = true;
  std::string why;
  std::string text = read_file_text(path, ok, why);
  if (!ok) return {{Severity::error, path, "$", why}};
  return check_text(text, path, parsed);
}

Profile parse_profile(std::string_view text, const std::string& file) {
  Profile profile;
  auto problems = check_text(text, file, &profile);
  int errors = 0;
  const ProfileProblem* first = nullptr;
  for (const auto& p : problems) {
    if (p.severity != Severity::error) continue;
    ++errors;
    if (!first) first = &p;
  }
  if (first) {
    std::string more =
        errors > 1 ? " (and " + std::to_string(errors - 1) + " more errors; run burst-tune validate)" : "";
    throw InvalidArgument(first->file + ": " + first->json_path + ": " + first->message + more);
  }
  for (const auto& p : problems) log_warning(p.file + ": " + p.json_path + ": " + p.message);
  return profile;
}

Profile read_profile(const std::string& path) {
  bool ok = true;
  std::string why;
  std::string text = read_file_text(path, ok, why);
  if (!ok) throw InvalidArgument(path + ": $: " + why);
  return parse_profile(text, path);
}

std::string profile_to_json_text(const Profile& profile) {
  return profiles::profile_to_json(profile).dump(2) + "\n";
}

void write_profile(const Profile& profile, const std::string& path) {
  write_file_atomically(path, profile_to_json_text(profile));  // unique temporary file, fsync, rename
}

bool entries_tie(const ProfileMeasured& a, const ProfileMeasured& b) noexcept {
  const double band = std::max(a.noise * a.median_s, b.noise * b.median_s);
  return std::fabs(a.median_s - b.median_s) <= band;
}

Profile merge_profiles(const Profile& base, const Profile& incoming, MergeStats* stats) {
  if (!(base.fingerprint == incoming.fingerprint))
    throw InvalidArgument("cannot merge profiles of different fingerprints (" + base.fingerprint.id() +
                          " and " + incoming.fingerprint.id() + ")");
  MergeStats s;
  Profile out = base;
  out.schema = std::string(profile_schema_name);
  for (const auto& e : incoming.entries) {
    ProfileEntry* existing = nullptr;
    for (auto& o : out.entries)
      if (!existing && o.key == e.key) existing = &o;
    if (!existing) {
      out.entries.push_back(e);
      ++s.added;
    } else if (entries_tie(existing->measured, e.measured)) {
      ++s.ties;
    } else if (e.measured.median_s < existing->measured.median_s) {
      *existing = e;
      ++s.replaced;
    } else {
      ++s.kept;
    }
  }
  if (stats) *stats = s;
  return out;
}

}  // namespace burst
