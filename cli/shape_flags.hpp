// The workload and schedule flags shared by run, trace, explain and tune.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "burst/attention.hpp"
#include "cli/defaults.hpp"
#include "cli/mask_flags.hpp"

namespace burst::cli {

struct ShapeFlags {
  std::int64_t batch = defaults::batch, seq = defaults::seq, heads = defaults::heads, kv_heads = 0,
               head_dim = defaults::head_dim;
  std::string dtype = defaults::dtype;
  bool causal = defaults::causal;
  MaskFlags mask;                   // --mask, --doc-lens, --window
  AttentionShape to_shape() const;  // throws burst::InvalidArgument
};

// One flag per parameter of the parameter table (burst/params.hpp), checked by the table at parse
// time, so a value that is never allowed is refused naming the flag before anything runs.
struct ScheduleFlags {
  std::map<std::string, std::string, std::less<>> values;  // parameter name -> text (defaults first)
  int threads = 0;                                         // execution setting, not a parameter
  Schedule to_schedule() const;                            // throws burst::InvalidArgument
};

void add_shape_flags(CLI::App& cmd, ShapeFlags& f);
void add_schedule_flags(CLI::App& cmd, ScheduleFlags& f);

// The flag or the origin of a parameter value, for messages: "--tile-q" when given on the command
// line of `cmd`, else the parameter's name.
std::string param_origin(const ParamDesc& param, const CLI::App* cmd);
// check_runnable, with a refused parameter named by its flag when the command line set it; throws
// burst::InvalidArgument "--tile-kv 96: ..." or the runtime's message otherwise.
void require_runnable(const AttentionShape& shape, const Schedule& schedule, int world, Backend backend,
                      Pass pass, const CLI::App* cmd, const std::string& source = "");

}  // namespace burst::cli
