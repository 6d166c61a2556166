#include "cli/shape_flags.hpp"

namespace burst::cli {

AttentionShape ShapeFlags::to_shape() const {
  AttentionShape s;
  s.batch = batch;
  s.seq = seq;
  s.heads = heads;
  s.kv_heads = kv_heads;
  s.head_dim = head_dim;
  s.dtype = parse_dtype(dtype);
  s.causal = causal;
  return s;
}

Schedule ScheduleFlags::to_schedule() const {
  Schedule s;
  s.layout = parse_layout(layout);
  s.bwd_comm = parse_bwd_comm(bwd_comm);
  s.overlap = parse_overlap(overlap);
  s.chunks = chunks;
  s.topology = parse_topology(topology);
  s.group_size = group_size;
  s.accum_dtype = parse_accum_dtype(accum_dtype);
  s.tile_q = tile_q;
  s.tile_kv = tile_kv;
  s.threads = threads;
  return s;
}

void add_shape_flags(CLI::App& cmd, ShapeFlags& f) {
  cmd.add_option("--batch", f.batch, "Batch size B")->capture_default_str()->check(CLI::PositiveNumber)->group("Shape");
  cmd.add_option("--seq", f.seq, "Global sequence length N")->capture_default_str()->check(CLI::PositiveNumber)->group("Shape");
  cmd.add_option("--heads", f.heads, "Query heads H")->capture_default_str()->check(CLI::PositiveNumber)->group("Shape");
  cmd.add_option("--kv-heads", f.kv_heads, "Key/value heads Hkv (0: same as --heads; GQA when smaller)")
      ->capture_default_str()->check(CLI::NonNegativeNumber)->group("Shape");
  cmd.add_option("--head-dim", f.head_dim, "Head dimension d (32..256, multiple of 8)")->capture_default_str()->group("Shape");
  cmd.add_option("--dtype", f.dtype, "Input dtype")->capture_default_str()->check(CLI::IsMember({"fp32", "fp16", "bf16"}))->group("Shape");
  cmd.add_flag("--causal", f.causal, "Causal mask")->group("Shape");
}

void add_schedule_flags(CLI::App& cmd, ScheduleFlags& f) {
  cmd.add_option("--layout", f.layout, "Token layout")->capture_default_str()
      ->check(CLI::IsMember({"contiguous", "zigzag", "striped"}))->group("Schedule");
  cmd.add_option("--bwd-comm", f.bwd_comm, "Backward scheme: q (BurstAttention) or kv (RingAttention)")
      ->capture_default_str()->check(CLI::IsMember({"q", "kv"}))->group("Schedule");
  cmd.add_option("--overlap", f.overlap, "Comm/compute overlap")->capture_default_str()
      ->check(CLI::IsMember({"none", "double_buffer", "chunk_pipeline"}))->group("Schedule");
  cmd.add_option("--chunks", f.chunks, "Pieces per block for chunk_pipeline")->capture_default_str()
      ->check(CLI::Range(1, 8))->group("Schedule");
  cmd.add_option("--topology", f.topology, "Ring topology")->capture_default_str()
      ->check(CLI::IsMember({"flat", "double"}))->group("Schedule");
  cmd.add_option("--group-size", f.group_size, "Ranks per group L for --topology double")->capture_default_str()
      ->check(CLI::NonNegativeNumber)->group("Schedule");
  cmd.add_option("--accum-dtype", f.accum_dtype, "Dtype of travelling gradient accumulators")->capture_default_str()
      ->check(CLI::IsMember({"fp32", "input"}))->group("Schedule");
  cmd.add_option("--tile-q", f.tile_q, "Kernel query tile")->capture_default_str()->check(CLI::PositiveNumber)->group("Schedule");
  cmd.add_option("--tile-kv", f.tile_kv, "Kernel key/value tile")->capture_default_str()->check(CLI::PositiveNumber)->group("Schedule");
}

}  // namespace burst::cli
