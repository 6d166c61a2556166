// The tuned parameters of a profile entry, read, written and applied through the parameter table
// (burst/params.hpp): no parameter is spelled here.
#include <charconv>

#include "profiles/json_check.hpp"

namespace burst::profiles {

void read_param(const ParamDesc& param, const json& value, const std::string& path, JsonChecker& check,
                ProfileParams& p) {
  if (param.type == ParamType::choice) {
    if (auto i = check.one_of_value(value, path, param.choices))
      p.set(param.name, std::string(param.choices[*i]));
    return;
  }
  const auto v = check.integer_value(value, path, param.min, param.max);
  if (!v) return;
  if (*v % param.multiple != 0) {
    check.error(path, "expected integer " + param.allowed() + ", got " + std::to_string(*v));
    return;
  }
  p.set(param.name, *v);
}

json param_json(const ParamDesc& param, const ProfileParams& p) {
  const auto v = p.get(param.name);
  if (!v) return nullptr;
  if (param.type == ParamType::choice) return *v;
  std::int64_t n = 0;
  std::from_chars(v->data(), v->data() + v->size(), n);
  return n;
}

void apply_param(const ParamDesc& param, const ProfileParams& p, Schedule& s) {
  if (auto v = p.get(param.name)) set_param(s, param, *v);
}

std::string default_param_text(const ParamDesc& param) {
  return param.cuda_only ? "-" : param.default_text();
}

}  // namespace burst::profiles

namespace burst {

std::optional<std::string> ProfileParams::get(std::string_view name) const {
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

void ProfileParams::clear(std::string_view name) {
  const auto it = values.find(name);
  if (it != values.end()) values.erase(it);
}

ProfileParams ProfileParams::from_schedule(const Schedule& schedule) {
  ProfileParams p;
  for (const ParamDesc& param : schedule_params()) {
    const std::string v = param.get(schedule);
    if (param.cuda_only && v == "0") continue;  // no launch shape asked for
    p.set(param.name, v);
  }
  return p;
}

}  // namespace burst
