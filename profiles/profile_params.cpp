// The tuned parameters of a profile entry: names, value checks, JSON and how they apply to a Schedule.
#include <limits>

#include "profiles/json_check.hpp"

namespace burst::profiles {
namespace {

template <typename E>
void read_enum(const json& value, const std::string& path, JsonChecker& check, std::initializer_list<E> values,
               std::optional<E>& out) {
  std::vector<E> all(values);
  if (auto i = check.one_of_value(value, path, enum_names(values))) out = all[*i];
}

void read_int(const json& value, const std::string& path, JsonChecker& check, std::int64_t min, std::int64_t max,
              std::optional<int>& out) {
  if (auto v = check.integer_value(value, path, min, max)) out = static_cast<int>(*v);
}

template <typename T>
json opt_json(const std::optional<T>& v) {
  if (!v) return nullptr;
  if constexpr (std::is_enum_v<T>) {
    return std::string(to_string(*v));
  } else {
    return *v;
  }
}

}  // namespace

const std::vector<ParamSpec>& param_specs() {
  static const std::vector<ParamSpec> specs = {
      {"kernel.tile_q", false, true},    {"kernel.tile_kv", false, true}, {"kernel.warps", true, true},
      {"kernel.stages", true, true},     {"ring.overlap", false, false},  {"ring.chunks", false, false},
      {"ring.topology", false, false},   {"ring.group_size", false, false}, {"ring.bwd_comm", false, false},
      {"ring.layout", false, false},     {"ring.accum_dtype", false, false},
  };
  return specs;
}

void read_param(const ParamSpec& spec, const json& value, const std::string& path, JsonChecker& check,
                ProfileParams& p) {
  const std::string_view n = spec.name;
  if (n == "kernel.tile_q") return read_int(value, path, check, 16, 256, p.tile_q);
  if (n == "kernel.tile_kv") return read_int(value, path, check, 16, 256, p.tile_kv);
  if (n == "kernel.warps") return read_int(value, path, check, 1, 32, p.warps);
  if (n == "kernel.stages") return read_int(value, path, check, 1, 8, p.stages);
  if (n == "ring.chunks") return read_int(value, path, check, 1, 8, p.chunks);
  if (n == "ring.group_size") return read_int(value, path, check, 0, 1 << 20, p.group_size);
  if (n == "ring.overlap")
    return read_enum(value, path, check, {Overlap::none, Overlap::double_buffer, Overlap::chunk_pipeline},
                     p.overlap);
  if (n == "ring.topology") return read_enum(value, path, check, {Topology::flat, Topology::double_ring}, p.topology);
  if (n == "ring.bwd_comm") return read_enum(value, path, check, {BwdComm::q, BwdComm::kv}, p.bwd_comm);
  if (n == "ring.layout")
    return read_enum(value, path, check, {Layout::contiguous, Layout::zigzag, Layout::striped}, p.layout);
  if (n == "ring.accum_dtype")
    return read_enum(value, path, check, {AccumDType::fp32, AccumDType::input}, p.accum_dtype);
  check.error(path, "internal: no reader for parameter " + std::string(n));
}

json param_json(const ParamSpec& spec, const ProfileParams& p) {
  const std::string_view n = spec.name;
  if (n == "kernel.tile_q") return opt_json(p.tile_q);
  if (n == "kernel.tile_kv") return opt_json(p.tile_kv);
  if (n == "kernel.warps") return opt_json(p.warps);
  if (n == "kernel.stages") return opt_json(p.stages);
  if (n == "ring.chunks") return opt_json(p.chunks);
  if (n == "ring.group_size") return opt_json(p.group_size);
  if (n == "ring.overlap") return opt_json(p.overlap);
  if (n == "ring.topology") return opt_json(p.topology);
  if (n == "ring.bwd_comm") return opt_json(p.bwd_comm);
  if (n == "ring.layout") return opt_json(p.layout);
  if (n == "ring.accum_dtype") return opt_json(p.accum_dtype);
  return nullptr;
}

void clear_param(const ParamSpec& spec, ProfileParams& p) {
  const std::string_view n = spec.name;
  if (n == "kernel.tile_q") p.tile_q.reset();
  if (n == "kernel.tile_kv") p.tile_kv.reset();
  if (n == "kernel.warps") p.warps.reset();
  if (n == "kernel.stages") p.stages.reset();
  if (n == "ring.chunks") p.chunks.reset();
  if (n == "ring.group_size") p.group_size.reset();
  if (n == "ring.overlap") p.overlap.reset();
  if (n == "ring.topology") p.topology.reset();
  if (n == "ring.bwd_comm") p.bwd_comm.reset();
  if (n == "ring.layout") p.layout.reset();
  if (n == "ring.accum_dtype") p.accum_dtype.reset();
}

void apply_param(const ParamSpec& spec, const ProfileParams& p, Schedule& s, std::optional<int>& warps,
                 std::optional<int>& stages) {
  const std::string_view n = spec.name;
  if (n == "kernel.tile_q" && p.tile_q) s.tile_q = *p.tile_q;
  if (n == "kernel.tile_kv" && p.tile_kv) s.tile_kv = *p.tile_kv;
  if (n == "kernel.warps" && p.warps) warps = p.warps;
  if (n == "kernel.stages" && p.stages) stages = p.stages;
  if (n == "ring.chunks" && p.chunks) s.chunks = *p.chunks;
  if (n == "ring.group_size" && p.group_size) s.group_size = *p.group_size;
  if (n == "ring.overlap" && p.overlap) s.overlap = *p.overlap;
  if (n == "ring.topology" && p.topology) s.topology = *p.topology;
  if (n == "ring.bwd_comm" && p.bwd_comm) s.bwd_comm = *p.bwd_comm;
  if (n == "ring.layout" && p.layout) s.layout = *p.layout;
  if (n == "ring.accum_dtype" && p.accum_dtype) s.accum_dtype = *p.accum_dtype;
}

std::string default_param_text(const ParamSpec& spec) {
  ProfileParams defaults;
  const Schedule s;
  defaults.tile_q = s.tile_q;
  defaults.tile_kv = s.tile_kv;
  defaults.chunks = s.chunks;
  defaults.group_size = s.group_size;
  defaults.overlap = s.overlap;
  defaults.topology = s.topology;
  defaults.bwd_comm = s.bwd_comm;
  defaults.layout = s.layout;
  defaults.accum_dtype = s.accum_dtype;
  json j = param_json(spec, defaults);
  if (j.is_null()) return "-";
  return j.is_string() ? j.get<std::string>() : j.dump();
}

}  // namespace burst::profiles
