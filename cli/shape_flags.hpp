// The workload and schedule flags shared by run, trace, explain and tune.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "burst/attention.hpp"

namespace burst::cli {

struct ShapeFlags {
  std::int64_t batch = 1, seq = 1024, heads = 8, kv_heads = 0, head_dim = 64;
  std::string dtype = "fp32";
  bool causal = false;
  AttentionShape to_shape() const;  // throws burst::InvalidArgument
};

struct ScheduleFlags {
  std::string layout = "contiguous", bwd_comm = "q", overlap = "none", topology = "flat", accum_dtype = "fp32";
  int chunks = 1, group_size = 0, tile_q = 64, tile_kv = 64, threads = 0;
  Schedule to_schedule() const;  // throws burst::InvalidArgument
};

void add_shape_flags(CLI::App& cmd, ShapeFlags& f);
void add_schedule_flags(CLI::App& cmd, ScheduleFlags& f);


}  // namespace burst::cli
