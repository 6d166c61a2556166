#include "cli/shape_flags.hpp"

#include "burst/error.hpp"
#include "cli/flag_checks.hpp"

namespace burst::cli {

AttentionShape ShapeFlags::to_shape() const {
  AttentionShape s;
  s.batch = batch;
  s.seq = seq;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  s.dtype = parse_dtype(dtype);
  mask.apply(s, causal);
  return s;
}

Schedule ScheduleFlags::to_schedule() const {
  Schedule s;
  for (const auto& [name, text] : values) set_param(s, name, text);
  s.threads = threads;
  return s;
}

void add_shape_flags(CLI::App& cmd, ShapeFlags& f) {
  cmd.add_option("--batch", f.batch, "Batch size B (K, M suffixes: x1024, x1048576)")
      ->capture_default_str()
      ->transform(size_suffix())
      ->check(at_least(1))
      ->group("Shape");
  cmd.add_option("--seq", f.seq, "Global sequence length N (4096, 32K, 1M)")
      ->capture_default_str()
      ->transform(size_suffix())
      ->check(at_least(1))
      ->group("Shape");
  cmd.add_option("--heads", f.heads, "Query heads H")
      ->capture_default_str()
      ->check(at_least(1))
      ->group("Shape");
  cmd.add_option("--kv-heads", f.kv_heads, "Key/value heads Hkv (0: same as --heads; GQA when smaller)")
      ->capture_default_str()
      ->check(at_least(0))
      ->group("Shape");
  cmd.add_option("--head-dim", f.head_dim, "Head dimension d (32..256, multiple of 8)")
      ->capture_default_str()
      ->group("Shape");
  cmd.add_option("--dtype", f.dtype, "Input dtype")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}))
      ->group("Shape");
  add_causal_flag(cmd, f.causal)->group("Shape");
  add_mask_flags(cmd, f.mask);
}

void add_schedule_flags(CLI::App& cmd, ScheduleFlags& f) {
  for (const ParamDesc& p : schedule_params()) {
    std::string& value = f.values[std::string(p.name)];
    value = p.default_text();
    const CLI::Validator allowed(
        [&p](std::string& v) {
          const auto why = p.check(v);
          return why ? v + " is not allowed: " + *why : std::string();
        },
        p.allowed());
    cmd.add_option(std::string(p.flag), value, std::string(p.help) + " [" + std::string(p.name) + "]")
        ->capture_default_str()
        ->check(allowed)
        ->group("Schedule");
  }
}

std::string param_origin(const ParamDesc& param, const CLI::App* cmd) {
  if (cmd != nullptr && cmd->count(std::string(param.flag)) > 0) return std::string(param.flag);
  return std::string(param.name);
}

void require_runnable(const AttentionShape& shape, const Schedule& schedule, int world, Backend backend,
                      Pass pass, const CLI::App* cmd, const std::string& source) {
  const auto problem = check_runnable(shape, schedule, world, backend, pass);
  if (!problem) return;
  std::string message = problem->message;
  if (problem->param != nullptr) {
    const std::string name(problem->param->name);
    const std::string origin = param_origin(*problem->param, cmd);
    if (origin != name) {
      // Given on the command line: name the flag and its value.
      message = message.rfind(name, 0) == 0 ? origin + message.substr(name.size())
                                            : origin + " " + problem->param->get(schedule) + ": " + message;
    } else if (!source.empty()) {
      message = source + ": " + message;
    }
  }
  throw InvalidArgument(message);
}

}  // namespace burst::cli
