// Shared pieces of the Gpu* tests: the skip rule, device buffers, and a comparison that also checks
// that poisoned padding stayed poisoned.
//
// Skip rule (docs/architecture.md 10, BUILD-NOTES.md): cudaGetDeviceCount failing (no driver: error 35
// cudaErrorInsufficientDriver; no device: 100 cudaErrorNoDevice; any init error) or returning 0
// means "no GPU": the test calls GTEST_SKIP() with the reason in words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#define BURST_SKIP_WITHOUT_GPU()                                            \
  do {                                                                      \
    if (const auto burst_no_gpu_ = ::burst::test::gpu_unavailable_reason()) \
      GTEST_SKIP() << "no GPU: " << *burst_no_gpu_;                         \
  } while (0)

namespace burst::test {

// nullopt when a CUDA device can be used, else why not ("cudaErrorInsufficientDriver: ...").
std::optional<std::string> gpu_unavailable_reason();

// Device memory, freed on destruction.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  void upload(const void* host, std::size_t bytes);
  void download(void* host, std::size_t bytes) const;
  template <typename T>
  static DeviceBuffer from(const std::vector<T>& host) {
    DeviceBuffer b(host.size() * sizeof(T));
    b.upload(host.data(), host.size() * sizeof(T));
    return b;
  }
  template <typename T>
  std::vector<T> to_host(std::size_t count) const {
    std::vector<T> out(count);
    download(out.data(), count * sizeof(T));
    return out;
  }

 private:
  void* ptr_ = nullptr;
};

void device_synchronize();

// Compares a GPU result with the CPU kernel's on the same inputs, element by element:
//   pad[i] true : the element is padding poisoned with NaN before the run and must still be NaN;
//   otherwise   : error = max |gpu - cpu| / max |cpu| over the non-padding elements (the same
//                 infinity on both sides counts as equal; NaN or a one-sided infinity gives +inf).
// Returns the error, or +inf when a padding element changed.
double compare_with_padding(const std::vector<float>& gpu, const std::vector<float>& cpu,
                            const std::vector<bool>& pad);

}  // namespace burst::test
