// The one parameter table: every tunable schedule parameter described once (its name in profiles,
// the database and --space, its CLI flag, type, allowed values, default, the values the tuner tries
// and where it lives in Schedule). CLI flags, profile read/write/validate, the tuner's space, plan's
// candidates, the report's parameter plots and the C ABI all read it (docs/architecture.md).
//
// The allowed values here are what the parameter can ever take; whether a kernel variant can run a
// value on a backend is the kernel registry's can_implement (kernels/registry.hpp), asked by
// burst::check_runnable before anything runs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "burst/schedule.hpp"

namespace burst {

enum class ParamType : std::uint8_t { integer, choice };

struct ParamDesc {
  std::string_view name;  // "kernel.tile_q": profiles, database, --space, reports
  std::string_view flag;  // "--tile-q"
  std::string_view help;  // one line for --help
  std::string_view unit;  // axis unit in reports: "rows", "strategy"
  ParamType type = ParamType::integer;
  std::int64_t min = 0, max = 0, multiple = 1;         // integer: min..max in steps of `multiple`
  std::vector<std::string_view> choices;               // choice: the spellings, default first
  std::vector<std::string_view> search;                // values `tune` tries when the workload calls for it
  bool cuda_only = false;                              // only the CUDA backend's kernels read it
  bool kernel = false;                                 // a kernel.* parameter (tuned per backend's kernels)
  std::string (*get)(const Schedule&) = nullptr;       // value as text ("64", "zigzag")
  void (*set)(Schedule&, std::string_view) = nullptr;  // from checked text

  // "16..256, multiple of 16" or "none|double_buffer|chunk_pipeline".
  std::string allowed() const;
  // nullopt when `text` is an allowed value, else "expected 16..256, multiple of 16".
  std::optional<std::string> check(std::string_view text) const;
  std::string default_text() const;  // get(Schedule{})
};

// Every parameter, in canonical order (keys, tables and profiles list them in this order).
std::span<const ParamDesc> schedule_params();
// A parameter by name ("kernel.tile_q") or by flag ("--tile-q"); nullptr when unknown.
const ParamDesc* find_param(std::string_view name_or_flag);
// The same, throwing InvalidArgument that lists every name.
const ParamDesc& require_param(std::string_view name);

// Parameter names for code that refers to one parameter.
inline constexpr std::string_view param_tile_q = "kernel.tile_q";
inline constexpr std::string_view param_tile_kv = "kernel.tile_kv";
inline constexpr std::string_view param_warps = "kernel.warps";
inline constexpr std::string_view param_stages = "kernel.stages";
inline constexpr std::string_view param_overlap = "ring.overlap";
inline constexpr std::string_view param_chunks = "ring.chunks";
inline constexpr std::string_view param_topology = "ring.topology";
inline constexpr std::string_view param_group_size = "ring.group_size";
inline constexpr std::string_view param_bwd_comm = "ring.bwd_comm";
inline constexpr std::string_view param_layout = "ring.layout";
inline constexpr std::string_view param_accum_dtype = "ring.accum_dtype";
inline constexpr std::string_view param_cp_method = "cp.method";
inline constexpr std::string_view param_ulysses_degree = "cp.ulysses_degree";

// Sets one parameter from text; throws InvalidArgument "kernel.tile_q=24: expected 16..256,
// multiple of 16" (the name, the value and what is allowed).
void set_param(Schedule& schedule, const ParamDesc& param, std::string_view text);
void set_param(Schedule& schedule, std::string_view name, std::string_view text);
std::string param_value(const Schedule& schedule, std::string_view name);

// A value that is not allowed, or nullopt: the first parameter of `schedule` outside its allowed
// values. `param` names the table entry so callers can name their flag or JSON path.
struct ParamProblem {
  const ParamDesc* param = nullptr;  // nullptr: the problem is not one parameter's (the shape, the world)
  std::string value;                 // the offending value as text
  std::string message;               // "expected 16..256, multiple of 16"
  // "kernel.tile_q 24: expected 16..256, multiple of 16"
  std::string to_string() const;
};
std::optional<ParamProblem> check_param_values(const Schedule& schedule);

}  // namespace burst
