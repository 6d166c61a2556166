// A profile document <-> burst::Profile: one pass validates every field (with its JSON path) and
// builds the profile; docs/profiles.md lists the fields and the rules checked here.
#include <charconv>
#include <limits>

#include "profiles/fingerprint_json.hpp"
#include "profiles/json_check.hpp"

namespace burst::profiles {
namespace {

constexpr std::int64_t kNoMax = std::numeric_limits<std::int64_t>::max();

void check_schema(const json& doc, JsonChecker& check, Profile& out) {
  auto schema = check.string(doc, "$", "schema", true);
  if (!schema) return;
  out.schema = *schema;
  constexpr std::string_view prefix = "burst-profile/";
  if (schema->rfind(prefix, 0) != 0) {
    check.error("$.schema", "expected \"burst-profile/<major>[.<minor>]\", got " + json(*schema).dump());
    return;
  }
  std::string_view version = std::string_view(*schema).substr(prefix.size());
  int major = -1;
  auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), major);
  bool well_formed = ec == std::errc() && (end == version.data() + version.size() || *end == '.');
  if (!well_formed) {
    check.error("$.schema", "malformed version in " + json(*schema).dump());
  } else if (major != profile_schema_major) {
    check.error("$.schema", "unknown major version " + std::to_string(major) +
                                " (this build reads burst-profile/" + std::to_string(profile_schema_major) +
                                ")");
  }
}

void check_fingerprint(const json& doc, JsonChecker& check, Fingerprint& fp) {
  const json* f = check.member(doc, "$", "fingerprint", true);
  const std::string p = "$.fingerprint";
  if (!f || !check.expect_object(*f, p)) return;
  check.warn_unknown(
      *f, p,
      {"backend", "cpu_model", "cpu_cores", "gpu_model", "gpu_count", "compute_capability", "sm_count",
       "driver_version", "cuda_version", "nccl_version", "nodes", "ranks_per_node", "link_classes"});
  const std::size_t errors_before = check.problems().size();
  if (auto i = check.one_of(*f, p, "backend", true, {"cpu", "cuda"})) fp.backend = *i == 0 ? "cpu" : "cuda";
  // Every field is required (as profiles/fingerprint.cpp reads them); GPU fields are ""/0 on cpu.
  for (std::string_view key :
       {"cpu_model", "gpu_model", "compute_capability", "driver_version", "cuda_version", "nccl_version"})
    check.string(*f, p, key, true);
  check.integer(*f, p, "cpu_cores", true, 1, 1 << 30);
  check.integer(*f, p, "gpu_count", true, fp.backend == "cuda" ? 1 : 0, 1 << 30);
  check.integer(*f, p, "sm_count", true, 0, 1 << 30);
  check.integer(*f, p, "nodes", true, 1, 1 << 30);
  if (f->contains("ranks_per_node"))
    check.warning(
        p + ".ranks_per_node",
        "no longer part of the fingerprint (ignored): each entry's key holds its world size and launch");
  if (const json* links = check.member(*f, p, "link_classes", true)) {
    const std::string lp = p + ".link_classes";
    if (!links->is_array()) {
      check.error(lp, "expected an array of strings, got " + show_value(*links));
    } else {
      for (std::size_t i = 0; i < links->size(); ++i)
        check.one_of_value((*links)[i], index_path(lp, i),
                           {"same_gpu", "nvlink", "pcie", "shared_memory", "network"});
    }
  }
  bool clean = true;
  for (std::size_t i = errors_before; i < check.problems().size(); ++i)
    clean = clean && check.problems()[i].severity != Severity::error;
  if (!clean) return;
  try {
    fp = f->get<Fingerprint>();  // profiles/fingerprint_json.hpp, so both readers agree
  } catch (const std::exception& e) {
    check.error(p, e.what());
  }
}

void check_key(const json& e, const std::string& ep, JsonChecker& check, WorkloadKey& key) {
  const json* k = check.member(e, ep, "key", true);
  const std::string p = ep + ".key";
  if (!k || !check.expect_object(*k, p)) return;
  check.warn_unknown(*k, p,
                     {"world_size", "launch", "heads", "kv_heads", "head_dim", "dtype", "causal", "mask",
                      "pass", "seq_min", "seq_max"});
  if (auto v = check.integer(*k, p, "world_size", true, 1, 1 << 20)) key.world_size = static_cast<int>(*v);
  if (auto i = check.one_of(*k, p, "launch", false, enum_names({Launch::threads, Launch::processes})))
    key.launch = static_cast<Launch>(*i);
  if (auto v = check.integer(*k, p, "heads", true, 1, kNoMax)) key.heads = *v;
  if (auto v = check.integer(*k, p, "kv_heads", true, 1, kNoMax)) key.kv_heads = *v;
  if (auto v = check.integer(*k, p, "head_dim", true, 1, kNoMax)) key.head_dim = *v;
  if (auto i = check.one_of(*k, p, "dtype", true, enum_names({DType::f32, DType::f16, DType::bf16})))
    key.dtype = static_cast<DType>(*i);
  if (auto v = check.boolean(*k, p, "causal", true)) key.causal = *v;
  if (auto i = check.one_of(*k, p, "mask", false,
                            enum_names({MaskKind::full, MaskKind::causal, MaskKind::full_document,
                                        MaskKind::causal_document, MaskKind::sliding_window})))
    key.mask = static_cast<MaskKind>(*i);
  if (auto i = check.one_of(*k, p, "pass", true, enum_names({Pass::fwd, Pass::bwd, Pass::fwd_bwd})))
    key.pass = static_cast<Pass>(*i);
  auto lo = check.integer(*k, p, "seq_min", true, 1, kNoMax);
  auto hi = check.integer(*k, p, "seq_max", true, 1, kNoMax);
  if (lo) key.seq_min = *lo;
  if (hi) key.seq_max = *hi;
  if (lo && hi && *hi < *lo)
    check.error(p + ".seq_max",
                "expected seq_max >= seq_min (" + std::to_string(*lo) + "), got " + std::to_string(*hi));
  if (key.heads > 0 && key.kv_heads > 0 && key.heads % key.kv_heads != 0)
    check.error(p + ".kv_heads", "expected a divisor of heads (" + std::to_string(key.heads) + "), got " +
                                     std::to_string(key.kv_heads));
}

void check_params(const json& e, const std::string& ep, JsonChecker& check, ProfileParams& params) {
  const json* obj = check.member(e, ep, "params", true);
  const std::string p = ep + ".params";
  if (!obj || !check.expect_object(*obj, p)) return;
  for (const auto& item : obj->items()) {
    const std::string path = child_path(p, item.key());
    const ParamDesc* param = find_param(item.key());
    if (param != nullptr && param->name == item.key()) {
      read_param(*param, item.value(), path, check, params);
    } else {
      check.warning(path, "unknown parameter (ignored)");
    }
  }
}

void check_measured(const json& e, const std::string& ep, JsonChecker& check, ProfileMeasured& m) {
  const json* obj = check.member(e, ep, "measured", true);
  const std::string p = ep + ".measured";
  if (!obj || !check.expect_object(*obj, p)) return;
  check.warn_unknown(*obj, p, {"median_s", "noise", "tflops", "speedup_vs_default", "reliable"});
  if (auto v = check.boolean(*obj, p, "reliable", false)) m.reliable = *v;
  if (auto v = check.number(*obj, p, "median_s", true, 0.0, true)) m.median_s = *v;
  if (auto v = check.number(*obj, p, "noise", true, 0.0, false)) m.noise = *v;
  if (auto v = check.number(*obj, p, "tflops", true, 0.0, false)) m.tflops = *v;
  if (auto v = check.number(*obj, p, "speedup_vs_default", true, 0.0, true)) m.speedup_vs_default = *v;
}

void check_provenance(const json& e, const std::string& ep, JsonChecker& check, ProfileProvenance& prov) {
  const json* obj = check.member(e, ep, "provenance", true);
  const std::string p = ep + ".provenance";
  if (!obj || !check.expect_object(*obj, p)) return;
  check.warn_unknown(*obj, p, {"tool_version", "date", "db", "session_id", "trial_id"});
  if (auto v = check.string(*obj, p, "tool_version", true)) prov.tool_version = *v;
  if (auto v = check.string(*obj, p, "date", true)) prov.date = *v;
  if (auto v = check.string(*obj, p, "db", false)) prov.db = *v;
  prov.session_id = check.integer(*obj, p, "session_id", false, 0, kNoMax);
  prov.trial_id = check.integer(*obj, p, "trial_id", false, 0, kNoMax);
}

}  // namespace

Profile profile_from_json(const json& doc, JsonChecker& check, KeyIndex* keys) {
  KeyIndex own_keys;
  if (keys == nullptr) keys = &own_keys;
  Profile out;
  out.schema.clear();
  if (!check.expect_object(doc, "$")) return out;
  check.warn_unknown(doc, "$", {"schema", "description", "fingerprint", "entries"});
  check_schema(doc, check, out);
  check.string(doc, "$", "description", false);
  check_fingerprint(doc, check, out.fingerprint);
  const json* entries = check.member(doc, "$", "entries", true);
  if (!entries) return out;
  if (!entries->is_array()) {
    check.error("$.entries", "expected an array, got " + show_value(*entries));
    return out;
  }
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json& e = (*entries)[i];
    const std::string ep = index_path("$.entries", i);
    ProfileEntry entry;
    if (check.expect_object(e, ep)) {
      check.warn_unknown(e, ep, {"key", "params", "measured", "provenance"});
      check_key(e, ep, check, entry.key);
      check_params(e, ep, check, entry.params);
      check_measured(e, ep, check, entry.measured);
      check_provenance(e, ep, check, entry.provenance);
    }
    if (entry.key.heads > 0) {
      if (auto first = keys->first_with(entry.key, i))
        check.warning(ep + ".key",
                      "same key as $.entries[" + std::to_string(*first) + "]; the first one is used");
    }
    out.entries.push_back(std::move(entry));
  }
  return out;
}

json profile_to_json(const Profile& profile) {
  json doc;
  doc["schema"] = profile.schema;
  doc["fingerprint"] = profile.fingerprint;
  json entries = json::array();
  for (const auto& e : profile.entries) {
    json params = json::object();
    for (const auto& param : schedule_params()) {
      json v = param_json(param, e.params);
      if (!v.is_null()) params[std::string(param.name)] = v;
    }
    json prov = {{"tool_version", e.provenance.tool_version}, {"date", e.provenance.date}};
    if (!e.provenance.db.empty()) prov["db"] = e.provenance.db;
    if (e.provenance.session_id) prov["session_id"] = *e.provenance.session_id;
    if (e.provenance.trial_id) prov["trial_id"] = *e.provenance.trial_id;
    json measured = {{"median_s", e.measured.median_s},
                     {"noise", e.measured.noise},
                     {"tflops", e.measured.tflops},
                     {"speedup_vs_default", e.measured.speedup_vs_default}};
    if (!e.measured.reliable) measured["reliable"] = false;
    json key = {{"world_size", e.key.world_size},  {"heads", e.key.heads},
                {"kv_heads", e.key.kv_heads},      {"head_dim", e.key.head_dim},
                {"dtype", to_string(e.key.dtype)}, {"causal", e.key.causal},
                {"pass", to_string(e.key.pass)},   {"seq_min", e.key.seq_min},
                {"seq_max", e.key.seq_max}};
    if (e.key.launch) key["launch"] = to_string(*e.key.launch);
    if (e.key.mask) key["mask"] = to_string(*e.key.mask);
    entries.push_back({
        {"key", std::move(key)},
        {"params", params},
        {"measured", std::move(measured)},
        {"provenance", prov},
    });
  }
  doc["entries"] = std::move(entries);
  return doc;
}

}  // namespace burst::profiles
