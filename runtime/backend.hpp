// The backend interface: the seam between the one ring orchestration (runtime/forward.cpp,
// runtime/backward.cpp, runtime/block_ring.cpp, runtime/accumulator_ring.cpp) and the machine it
// runs on. The orchestration never touches memory or a kernel directly: it allocates, fills,
// copies, packs, converts and accumulates through this interface, launches kernels only through
// the registry's KernelDesc, and orders work only by events. The CPU backend (runtime/cpu_backend.cpp)
// implements it with host memory and the kernels' thread pool, so CI runs exactly the code path a
// GPU backend runs; docs/backend.md says what a CUDA implementation must do.
//
// Sharp edges:
//  - Every pointer handed to these calls is in the backend's memory space (host memory on cpu,
//    device memory on cuda); the op's inputs and outputs are too.
//  - Work is queued in call order on one compute queue. record() marks the point after everything
//    queued so far; wait() makes later work wait for an event (a recorded one, or a transfer's).
//  - A buffer handed to a send must not be written until that send has completed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "burst/types.hpp"
#include "kernels/attention_params.hpp"
#include "kernels/kernel_desc.hpp"

namespace burst::runtime {

class ComputeBackend;

// Bytes owned by a backend; move-only, released by its backend.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(ComputeBackend* owner, void* data, std::size_t bytes)
      : owner_(owner), data_(data), bytes_(bytes) {}
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  std::byte* data() const { return static_cast<std::byte*>(data_); }
  float* f32() const { return static_cast<float*>(data_); }
  std::size_t bytes() const { return bytes_; }

 private:
  ComputeBackend* owner_ = nullptr;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// A point in an order: the compute queue's (record()) or a transfer's completion.
class Event {
 public:
  virtual ~Event() = default;
  virtual bool query() = 0;  // complete?
  // Blocks the calling thread until complete, polling against the communicator's deadline; throws
  // burst::Timeout naming `what` when the deadline passes.
  virtual void host_wait(const std::string& what) = 0;
};
using EventPtr = std::shared_ptr<Event>;

// Rows [row_begin, row_begin + rows) of a (batch, n, row_elems) tensor of `dtype`, and their packed
// form (batch, rows, row_elems).
struct RowsCopy {
  DType dtype = DType::f32;
  std::int64_t batch = 0, n = 0, row_elems = 0, row_begin = 0, rows = 0;
};

class ComputeBackend {
 public:
  virtual ~ComputeBackend() = default;
  virtual Backend kind() const = 0;

  // ---- memory ----
  virtual DeviceBuffer allocate(std::size_t bytes) = 0;
  virtual void release(void* data, std::size_t bytes) noexcept = 0;  // DeviceBuffer's destructor
  virtual void fill(float* dst, float value, std::size_t count) = 0;
  virtual void copy(void* dst, const void* src, std::size_t bytes) = 0;
  // src (batch, n, row_elems) rows -> dst (batch, rows, row_elems), and back.
  virtual void pack_rows(const RowsCopy& c, const void* src, void* dst) = 0;
  virtual void unpack_rows(const RowsCopy& c, const void* src, void* dst) = 0;
  // Columns [col_begin, col_begin + cols) of a (batch, heads, n) fp32 tensor -> (batch, heads, cols).
  virtual void pack_stats(const float* src, std::int64_t batch, std::int64_t heads, std::int64_t n,
                          std::int64_t col_begin, std::int64_t cols, float* dst) = 0;
  // dst (dtype `to`) = src (dtype `from`), `count` elements (fp32 <-> input dtype, or a copy).
  virtual void convert(const void* src, DType from, void* dst, DType to, std::size_t count) = 0;
  // dst += src (src in `from`), `count` fp32 elements: the travelling accumulators.
  virtual void accumulate(float* dst, const void* src, DType from, std::size_t count) = 0;

  // ---- kernels, reached only through the registry's entries ----
  virtual void forward(const kernels::KernelDesc& kernel, const kernels::FwdBlockParams& p) = 0;
  virtual void backward(const kernels::KernelDesc& kernel, const kernels::BwdBlockParams& p) = 0;
  virtual void delta(const kernels::DeltaParams& p) = 0;  // D = rowsum(dO * O)

  // ---- ordering ----
  virtual EventPtr record() = 0;
  virtual void wait(const EventPtr& event, const std::string& what) = 0;
  virtual void synchronize() = 0;  // end of a pass: everything queued is done
};

// The backend for `kind` (Backend::cpu; auto picks cpu in this build). `threads`: compute threads.
std::unique_ptr<ComputeBackend> make_backend(Backend kind, int threads);

}  // namespace burst::runtime
