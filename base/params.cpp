// The parameter table (burst/params.hpp): each schedule parameter's description, in one place.
#include "burst/params.hpp"

#include <charconv>
#include <string>

#include "burst/error.hpp"

namespace burst {
namespace {

std::string itext(int v) {
  return std::to_string(v);
}
int to_int(std::string_view text) {
  int v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

const std::vector<ParamDesc>& table() {
  // clang-format off
  static const std::vector<ParamDesc> params = {
      {.name = param_tile_q, .flag = "--tile-q", .help = "Kernel query tile (rows per tile)", .unit = "rows per tile",
       .type = ParamType::integer, .min = 16, .max = 256, .multiple = 16, .choices = {}, .search = {"32", "64", "128"},
       .kernel = true,
       .get = [](const Schedule& s) { return itext(s.tile_q); },
       .set = [](Schedule& s, std::string_view t) { s.tile_q = to_int(t); }},
      {.name = param_tile_kv, .flag = "--tile-kv", .help = "Kernel key/value tile (rows per tile)", .unit = "rows per tile",
       .type = ParamType::integer, .min = 16, .max = 256, .multiple = 16, .choices = {}, .search = {"32", "64", "128"},
       .kernel = true,
       .get = [](const Schedule& s) { return itext(s.tile_kv); },
       .set = [](Schedule& s, std::string_view t) { s.tile_kv = to_int(t); }},
      {.name = param_warps, .flag = "--warps", .help = "CUDA warps per CTA (0: the kernel variant's own)",
       .unit = "warps", .type = ParamType::integer, .min = 0, .max = 16, .multiple = 1, .choices = {}, .search = {},
       .cuda_only = true, .kernel = true,
       .get = [](const Schedule& s) { return itext(s.warps); },
       .set = [](Schedule& s, std::string_view t) { s.warps = to_int(t); }},
      {.name = param_stages, .flag = "--stages", .help = "CUDA pipeline stages (0: the kernel variant's own)",
       .unit = "pipeline stages", .type = ParamType::integer, .min = 0, .max = 4, .multiple = 1, .choices = {}, .search = {},
       .cuda_only = true, .kernel = true,
       .get = [](const Schedule& s) { return itext(s.stages); },
       .set = [](Schedule& s, std::string_view t) { s.stages = to_int(t); }},
      {.name = param_overlap, .flag = "--overlap", .help = "Comm/compute overlap", .unit = "strategy",
       .type = ParamType::choice, .choices = {"none", "double_buffer", "chunk_pipeline"},
       .search = {"none", "double_buffer", "chunk_pipeline"},
       .get = [](const Schedule& s) { return std::string(to_string(s.overlap)); },
       .set = [](Schedule& s, std::string_view t) { s.overlap = parse_overlap(t); }},
      {.name = param_chunks, .flag = "--chunks", .help = "Pieces per block for chunk_pipeline", .unit = "pieces per block",
       .type = ParamType::integer, .min = 1, .max = 8, .multiple = 1, .choices = {}, .search = {"1", "2", "4", "8"},
       .get = [](const Schedule& s) { return itext(s.chunks); },
       .set = [](Schedule& s, std::string_view t) { s.chunks = to_int(t); }},
      {.name = param_topology, .flag = "--topology", .help = "Ring topology", .unit = "topology",
       .type = ParamType::choice, .choices = {"flat", "double"}, .search = {"flat", "double"},
       .get = [](const Schedule& s) { return std::string(to_string(s.topology)); },
       .set = [](Schedule& s, std::string_view t) { s.topology = parse_topology(t); }},
      {.name = param_group_size, .flag = "--group-size",
       .help = "Ranks per group L for --topology double (0: the whole world, one group)", .unit = "ranks per group",
       .type = ParamType::integer, .min = 0, .max = 1 << 20, .multiple = 1, .choices = {}, .search = {},
       .get = [](const Schedule& s) { return itext(s.group_size); },
       .set = [](Schedule& s, std::string_view t) { s.group_size = to_int(t); }},
      {.name = param_bwd_comm, .flag = "--bwd-comm", .help = "Backward scheme: q (BurstAttention) or kv (RingAttention)",
       .unit = "scheme", .type = ParamType::choice, .choices = {"q", "kv"}, .search = {"q", "kv"},
       .get = [](const Schedule& s) { return std::string(to_string(s.bwd_comm)); },
       .set = [](Schedule& s, std::string_view t) { s.bwd_comm = parse_bwd_comm(t); }},
      {.name = param_layout, .flag = "--layout", .help = "Token layout", .unit = "layout",
       .type = ParamType::choice, .choices = {"contiguous", "zigzag", "striped", "per_document"},
       .search = {"contiguous", "zigzag", "striped", "per_document"},
       .get = [](const Schedule& s) { return std::string(to_string(s.layout)); },
       .set = [](Schedule& s, std::string_view t) { s.layout = parse_layout(t); }},
      {.name = param_accum_dtype, .flag = "--accum-dtype", .help = "Dtype of travelling gradient accumulators",
       .unit = "dtype", .type = ParamType::choice, .choices = {"fp32", "input"}, .search = {"fp32", "input"},
       .get = [](const Schedule& s) { return std::string(to_string(s.accum_dtype)); },
       .set = [](Schedule& s, std::string_view t) { s.accum_dtype = parse_accum_dtype(t); }},
      {.name = param_cp_method, .flag = "--cp-method",
       .help = "Context-parallel method: ring, ulysses (all-to-all over heads), all_gather (of K/V) or hybrid",
       .unit = "method", .type = ParamType::choice, .choices = {"ring", "ulysses", "all_gather", "hybrid"},
       .search = {"ring", "ulysses", "all_gather", "hybrid"},
       .get = [](const Schedule& s) { return std::string(to_string(s.cp_method)); },
       .set = [](Schedule& s, std::string_view t) { s.cp_method = parse_cp_method(t); }},
      {.name = param_ulysses_degree, .flag = "--ulysses-degree",
       .help = "Ranks per Ulysses group (0: the whole world for ulysses; hybrid: 1 < u < world dividing it)",
       .unit = "ranks per group", .type = ParamType::integer, .min = 0, .max = 1 << 20, .multiple = 1, .choices = {},
       .search = {},
       .get = [](const Schedule& s) { return itext(s.ulysses_degree); },
       .set = [](Schedule& s, std::string_view t) { s.ulysses_degree = to_int(t); }},
  };
  // clang-format on
  return params;
}

}  // namespace

std::string ParamDesc::allowed() const {
  if (type == ParamType::choice) {
    std::string text;
    for (auto c : choices) text.append(text.empty() ? "" : "|").append(c);
    return text;
  }
  std::string text = std::to_string(min) + ".." + std::to_string(max);
  if (multiple > 1) text += ", multiple of " + std::to_string(multiple);
  return text;
}

std::optional<std::string> ParamDesc::check(std::string_view text) const {
  if (type == ParamType::choice) {
    for (auto c : choices)
      if (c == text) return std::nullopt;
    return "expected one of " + allowed();
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return "expected an integer " + allowed();
  if (v < min || v > max || v % multiple != 0) return "expected " + allowed();
  return std::nullopt;
}

std::string ParamDesc::default_text() const {
  return get(Schedule{});
}

std::span<const ParamDesc> schedule_params() {
  return table();
}

const ParamDesc* find_param(std::string_view key) {
  for (const auto& p : table())
    if (p.name == key || p.flag == key) return &p;
  return nullptr;
}

const ParamDesc& require_param(std::string_view name) {
  if (const ParamDesc* p = find_param(name)) return *p;
  std::string names;
  for (const auto& p : table()) names.append(names.empty() ? "" : ", ").append(p.name);
  throw InvalidArgument("unknown parameter '" + std::string(name) + "': expected one of " + names);
}

void set_param(Schedule& schedule, const ParamDesc& param, std::string_view text) {
  if (auto why = param.check(text))
    throw InvalidArgument(std::string(param.name) + "=" + std::string(text) + ": " + *why);
  param.set(schedule, text);
}

void set_param(Schedule& schedule, std::string_view name, std::string_view text) {
  set_param(schedule, require_param(name), text);
}

std::string param_value(const Schedule& schedule, std::string_view name) {
  return require_param(name).get(schedule);
}

std::string ParamProblem::to_string() const {
  if (param == nullptr) return message;
  return std::string(param->name) + " " + value + ": " + message;
}

std::optional<ParamProblem> check_param_values(const Schedule& schedule) {
  for (const auto& p : table()) {
    const std::string v = p.get(schedule);
    if (auto why = p.check(v)) return ParamProblem{&p, v, *why};
  }
  return std::nullopt;
}

}  // namespace burst
