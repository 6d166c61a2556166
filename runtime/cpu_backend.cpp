// The CPU implementation of the backend interface (runtime/backend.hpp): host memory, the kernels'
// thread pool (the registry's cpu entries take a thread count), and a compute queue that runs each
// call as it is made, so a recorded event is complete at once and waiting on a transfer's event is
// a host wait against the communicator's deadline.
#include <cstring>
#include <new>

#include "burst/error.hpp"
#include "kernels/cpu_attention.hpp"
#include "kernels/dtype.hpp"
#include "runtime/backend.hpp"

namespace burst::runtime {

DeviceBuffer::~DeviceBuffer() {
  if (owner_ != nullptr && data_ != nullptr) owner_->release(data_, bytes_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept : owner_(o.owner_), data_(o.data_), bytes_(o.bytes_) {
  o.owner_ = nullptr;
  o.data_ = nullptr;
  o.bytes_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (owner_ != nullptr && data_ != nullptr) owner_->release(data_, bytes_);
    owner_ = o.owner_;
    data_ = o.data_;
    bytes_ = o.bytes_;
    o.owner_ = nullptr;
    o.data_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

namespace {

// Work on the CPU queue is done when its call returns.
class DoneEvent final : public Event {
 public:
  bool query() override { return true; }
  void host_wait(const std::string&) override {}
};

class CpuBackend final : public ComputeBackend {
 public:
  explicit CpuBackend(int threads)
      : threads_(threads < 1 ? 1 : threads), done_(std::make_shared<DoneEvent>()) {}

  Backend kind() const override { return Backend::cpu; }

  DeviceBuffer allocate(std::size_t bytes) override {
    // 64-byte aligned, as the vectorised kernels prefer.
    void* p = ::operator new (bytes == 0 ? 1 : bytes, std::align_val_t{64});
    return DeviceBuffer(this, p, bytes);
  }
  void release(void* data, std::size_t) noexcept override { ::operator delete (data, std::align_val_t{64}); }

  void fill(float* dst, float value, std::size_t count) override {
    for (std::size_t i = 0; i < count; ++i) dst[i] = value;
  }
  void copy(void* dst, const void* src, std::size_t bytes) override {
    if (bytes != 0) std::memcpy(dst, src, bytes);
  }

  void pack_rows(const RowsCopy& c, const void* src, void* dst) override {
    const std::size_t row_bytes = static_cast<std::size_t>(c.row_elems) * dtype_size(c.dtype);
    const auto* s = static_cast<const std::byte*>(src);
    auto* d = static_cast<std::byte*>(dst);
    for (std::int64_t b = 0; b < c.batch; ++b)
      copy(d + static_cast<std::size_t>(b * c.rows) * row_bytes,
           s + static_cast<std::size_t>(b * c.n + c.row_begin) * row_bytes,
           static_cast<std::size_t>(c.rows) * row_bytes);
  }
  void unpack_rows(const RowsCopy& c, const void* src, void* dst) override {
    const std::size_t row_bytes = static_cast<std::size_t>(c.row_elems) * dtype_size(c.dtype);
    const auto* s = static_cast<const std::byte*>(src);
    auto* d = static_cast<std::byte*>(dst);
    for (std::int64_t b = 0; b < c.batch; ++b)
      copy(d + static_cast<std::size_t>(b * c.n + c.row_begin) * row_bytes,
           s + static_cast<std::size_t>(b * c.rows) * row_bytes,
           static_cast<std::size_t>(c.rows) * row_bytes);
  }
  void pack_stats(const float* src, std::int64_t batch, std::int64_t heads, std::int64_t n,
                  std::int64_t col_begin, std::int64_t cols, float* dst) override {
    for (std::int64_t b = 0; b < batch; ++b)
      for (std::int64_t h = 0; h < heads; ++h)
        copy(dst + (b * heads + h) * cols, src + (b * heads + h) * n + col_begin,
             static_cast<std::size_t>(cols) * sizeof(float));
  }

  void convert(const void* src, DType from, void* dst, DType to, std::size_t count) override {
    const auto n = static_cast<std::int64_t>(count);
    if (from == to) {
      copy(dst, src, count * dtype_size(from));
    } else if (from == DType::f32) {
      kernels::convert_from_float(static_cast<const float*>(src), dst, to, n);
    } else if (to == DType::f32) {
      kernels::convert_to_float(src, from, static_cast<float*>(dst), n);
    } else {
      throw Error("cpu backend: no conversion between two half-precision dtypes", __FILE__, __LINE__);
    }
  }
  void accumulate(float* dst, const void* src, DType from, std::size_t count) override {
    for (std::size_t i = 0; i < count; ++i)
      dst[i] += kernels::load_as_float(src, static_cast<std::int64_t>(i), from);
  }

  void forward(const kernels::KernelDesc& kernel, const kernels::FwdBlockParams& p) override {
    BURST_CHECK(kernel.backend == Backend::cpu && kernel.forward != nullptr,
                "cpu backend: not a cpu forward kernel");
    kernel.forward(p);
  }
  void backward(const kernels::KernelDesc& kernel, const kernels::BwdBlockParams& p) override {
    BURST_CHECK(kernel.backend == Backend::cpu && kernel.backward != nullptr,
                "cpu backend: not a cpu backward kernel");
    kernel.backward(p);
  }
  void delta(const kernels::DeltaParams& p) override { kernels::cpu_compute_delta(p); }

  EventPtr record() override { return done_; }
  void wait(const EventPtr& event, const std::string& what) override {
    if (event) event->host_wait(what);
  }
  void synchronize() override {}

 private:
  int threads_;
  EventPtr done_;
};

}  // namespace

std::unique_ptr<ComputeBackend> make_backend(Backend kind, int threads) {
  if (kind == Backend::cpu || kind == Backend::auto_select) return std::make_unique<CpuBackend>(threads);
  throw InvalidArgument("backend " + std::string(to_string(kind)) +
                        ": the runtime drives only the cpu backend's kernels in this build");
}

}  // namespace burst::runtime
