// Internals shared by the forward and backward ring executors (runtime/forward.cpp,
// runtime/backward.cpp). Not installed.
//
// Blocks travel "piece-major": a block cut into C pieces along its sequence axis is stored as C
// contiguous pieces, each holding its tensors one after another, each (B, n/C, heads, d) or, for
// statistics, (B, heads, n/C). A piece is one message, so chunk_pipeline can compute on piece c as
// soon as it has arrived; with C = 1 a piece is the whole block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "burst/attention.hpp"
#include "kernels/attention_params.hpp"
#include "runtime/backend.hpp"
#include "runtime/layout.hpp"
#include "runtime/ring_schedule.hpp"
#include "runtime/transfer_engine.hpp"

namespace burst::runtime {

// Which messages a tag belongs to; tags are unique per (kind, destination step, piece).
enum class MessageKind : int { forward_block = 0, backward_block = 1, backward_accumulator = 2 };
int message_tag(MessageKind kind, int dest_step, int piece, int world);

// A rows view of a (B, rows, heads, d) tensor.
struct RowsView {
  const void* base = nullptr;
  DType dtype = DType::f32;
  std::int64_t batch_stride = 0;  // elements
  std::int64_t row_stride = 0;    // elements (heads * d)
  const std::byte* row(std::int64_t r) const {
    return static_cast<const std::byte*>(base) +
           r * row_stride * static_cast<std::int64_t>(dtype_size(dtype));
  }
};

// A (B, heads, rows) float32 statistics view.
struct StatView {
  const float* base = nullptr;
  std::int64_t batch_stride = 0, head_stride = 0;
};

// Reusable buffers for blocks in flight, in the backend's memory. Buffers are allocated on first
// use and kept for the op's lifetime, so later passes allocate nothing.
class BufferPool {
 public:
  BufferPool(ComputeBackend& backend, std::size_t bytes) : backend_(backend), bytes_(bytes) {}
  std::byte* acquire();
  void release(std::byte* p);

 private:
  ComputeBackend& backend_;
  std::size_t bytes_;
  std::vector<DeviceBuffer> all_;
  std::vector<std::byte*> free_;
};

// Buffers an op keeps between passes (the fp32 running state, accumulators, statistics), by role:
// a pass asks for the same roles with the same sizes every time and gets the same memory back.
enum WorkspaceRole : int { ws_o = 0, ws_lse, ws_delta, ws_local_grad, ws_share, ws_accum_home };

class Workspace {
 public:
  explicit Workspace(ComputeBackend& backend) : backend_(backend) {}
  std::byte* get(int role, std::size_t bytes);
  float* f32(int role, std::size_t count) {
    return reinterpret_cast<float*>(get(role, count * sizeof(float)));
  }

 private:
  ComputeBackend& backend_;
  std::vector<DeviceBuffer> buffers_;  // by role
};

struct OpConfig {
  AttentionShape shape;
  Schedule schedule;
  int rank = 0, world = 1;
  std::int64_t n = 0;   // tokens per rank
  int pieces = 1;       // C
  std::int64_t nc = 0;  // rows per piece
  std::int64_t hkv = 0;
  float scale = 0.0f;
  int threads = 1;
  std::vector<std::vector<Segment>> segments;  // per rank, local row order
  // Ring steps that hold visible work (ring_schedule.hpp): when K/V travel (the forward, the kv
  // backward) and when Q travels (the q backward). The world size unless the mask empties the tail.
  int forward_steps = 1, backward_q_steps = 1;
  ComputeBackend* backend = nullptr;                // where memory, kernels and ordering go
  const kernels::KernelDesc* fwd_kernel = nullptr;  // the registry's choice for each pass
  const kernels::KernelDesc* bwd_kernel = nullptr;
  ComputeBackend& be() const { return *backend; }
};

// Validates (burst::plan_kernels: parameter table, ring, registry) and fills the configuration;
// `backend` must outlive it.
OpConfig make_config(const Communicator& comm, const AttentionShape& shape, const Schedule& schedule,
                     ComputeBackend& backend);

// True when some query of q_segments sees some key of k_segments under the shape's mask.
bool any_visible(const AttentionShape& shape, const std::vector<Segment>& q_segments,
                 const std::vector<Segment>& k_segments);

// Attends queries (q rows in q_segments) to keys (k rows in k_segments) and folds the result into
// the fp32 running state (o, lse), one kernel call per visible segment pair.
struct ForwardOperands {
  RowsView q, k, v;
  float* o = nullptr;  // (B, nq_total, H, d) fp32
  std::int64_t o_batch_stride = 0;
  float* lse = nullptr;
  std::int64_t lse_batch_stride = 0, lse_head_stride = 0;
};
void forward_segments(const OpConfig& cfg, const ForwardOperands& ops, const std::vector<Segment>& q_segments,
                      const std::vector<Segment>& k_segments);

struct BackwardOperands {
  RowsView q, dout, k, v;
  StatView lse, delta;
  float* dq = nullptr;
  std::int64_t dq_batch_stride = 0;
  float* dk = nullptr;
  float* dv = nullptr;
  std::int64_t dkv_batch_stride = 0;
};
void backward_segments(const OpConfig& cfg, const BackwardOperands& ops,
                       const std::vector<Segment>& q_segments, const std::vector<Segment>& k_segments);

}  // namespace burst::runtime
