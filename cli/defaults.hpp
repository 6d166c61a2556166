// The defaults and spellings of the options several commands share, in one place, so that run,
// trace, explain, plan, tune and calibrate cannot drift apart (issue 17: causal was on in tune and
// off in run, the world 2 in tune and 1 in run, the output file --out in one and -o in another).
// docs/cli.md, "Options shared by every command", is the one table of them; keep it in step.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace burst::cli {

namespace defaults {

// LLM training is causal: --causal is on unless --no-causal.
inline constexpr bool causal = true;
// Training runs the backward pass after the forward one.
inline constexpr const char* pass = "fwd+bwd";
// Ranks as threads of this process; under mpirun the MPI world instead.
inline constexpr int world = 2;
// The shape of run, trace and explain (tune's comes from --preset, "small" when none: 8 query and
// 2 key/value heads of 64; its --seq and --batch default to the numbers here).
inline constexpr std::int64_t batch = 1, seq = 1024, heads = 8, head_dim = 64;
inline constexpr const char* dtype = "fp32";
// plan predicts for a GPU cluster it does not run on: a model-sized shape (llama2-7b's heads and
// head dimension), in the dtype such clusters train in.
inline constexpr std::int64_t plan_seq = 4096, plan_heads = 32, plan_head_dim = 128;
inline constexpr const char* plan_dtype = "bf16";
// tune's sampling stops once stdev/median is below this fraction (3%).
inline constexpr double max_noise = 0.03;
inline constexpr const char* max_noise_text = "3%";
// Every command that writes a file names it with the same option.
inline constexpr const char* output_names = "-o,--out,--output";

}  // namespace defaults

// --causal,!--no-causal with the default above.
CLI::Option* add_causal_flag(CLI::App& cmd, bool& causal);
// --pass fwd|bwd|fwd+bwd with the default above.
CLI::Option* add_pass_option(CLI::App& cmd, std::string& pass, const std::string& help);
// --world N (1..max) with the default above.
CLI::Option* add_world_option(CLI::App& cmd, int& world, const std::string& help, int max = 1024);
// -o,--out,--output FILE: the file the command writes.
CLI::Option* add_output_option(CLI::App& cmd, std::string& path, const std::string& help);

// --max-noise: a fraction (0.03) or a percentage (3%), 0 < x < 1; a plain number is always a
// fraction, and a plain number >= 1 (nvbench's "5" for 5%) is refused saying to write "5%". A
// transform: "3%" becomes "0.03" before the option converts it.
CLI::Validator noise_fraction();

}  // namespace burst::cli
