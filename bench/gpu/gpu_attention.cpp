// burst_gpu_bench: forward and backward TFLOP/s of the registered CUDA kernel variants on one GPU.
//
//   burst_gpu_bench [--seqs 1024,2048,...] [--tokens 16384] [--hidden 2048] [--dims 64,128]
//                   [--dtype bf16] [--warmup 5] [--iters 20] [--variant NAME]
//
// For each sequence length N, head dim d and causal in {0, 1}: batch B = tokens / N, heads
// H = hidden / d (the FlashAttention benchmark convention: B * N = 16K tokens, H * d = 2048), one
// block of N queries against N keys (a single rank: the local kernel alone). Every variant whose
// can_implement and can_run_on accept the shape is timed; CSV on stdout, one line per variant:
//   impl,variant,pass,seq,batch,heads,head_dim,causal,dtype,ms,tflops
// Time: median over `iters` runs of CUDA events around one launch, after `warmup` launches.
// Forward runs fold into a running state (o, lse), which the kernel reads and writes each time.
// Backward = the delta pass + the backward kernel. FLOPs (docs/cuda.md): forward 4 * B * N^2 * H * d,
// halved when causal; backward 2.5x forward. TFLOP/s = FLOPs / time / 1e12.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "burst/cuda_check.hpp"
#include "burst/error.hpp"
#include "kernels/cuda/cuda_launchers.hpp"
#include "kernels/cuda/cuda_registry.hpp"
#include "kernels/dtype.hpp"
#include "kernels/registry.hpp"

namespace {

using namespace burst;
using namespace burst::kernels;

struct Options {
  std::vector<long> seqs{1024, 2048, 4096, 8192, 16384};
  std::vector<long> dims{64, 128};
  long tokens = 16384, hidden = 2048;
  DType dtype = DType::bf16;
  int warmup = 5, iters = 20;
  std::string variant;
};

std::vector<long> parse_list(const std::string& text) {
  std::vector<long> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stol(item));
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      BURST_REQUIRE(i + 1 < argc, "burst_gpu_bench: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--seqs")
      o.seqs = parse_list(next());
    else if (a == "--dims")
      o.dims = parse_list(next());
    else if (a == "--tokens")
      o.tokens = std::stol(next());
    else if (a == "--hidden")
      o.hidden = std::stol(next());
    else if (a == "--dtype")
      o.dtype = parse_dtype(next());
    else if (a == "--warmup")
      o.warmup = std::stoi(next());
    else if (a == "--iters")
      o.iters = std::stoi(next());
    else if (a == "--variant")
      o.variant = next();
    else
      BURST_THROW(InvalidArgument, "burst_gpu_bench: unknown argument " + a);
  }
  return o;
}

class DeviceMemory {
 public:
  explicit DeviceMemory(std::size_t bytes) { BURST_CUDA_CHECK(cudaMalloc(&p_, bytes)); }
  ~DeviceMemory() { cudaFree(p_); }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  void* get() const { return p_; }
  float* f() const { return static_cast<float*>(p_); }

 private:
  void* p_ = nullptr;
};

class Event {
 public:
  Event() { BURST_CUDA_CHECK(cudaEventCreate(&e_)); }
  ~Event() { cudaEventDestroy(e_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_{};
};

void fill_random(void* dst, std::size_t count, DType t, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<std::uint16_t> half(count);
  std::vector<float> full(t == DType::f32 ? count : 0);
  for (std::size_t i = 0; i < count; ++i) {
    const float x = dist(gen);
    if (t == DType::f32)
      full[i] = x;
    else
      half[i] = t == DType::bf16 ? float_to_bf16(x) : float_to_fp16(x);
  }
  BURST_CUDA_CHECK(cudaMemcpy(dst, t == DType::f32 ? static_cast<const void*>(full.data()) : half.data(),
                              count * dtype_size(t), cudaMemcpyHostToDevice));
}

template <typename Fn>
double median_ms(const Options& o, Fn&& run) {
  for (int i = 0; i < o.warmup; ++i) run();
  BURST_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> ms;
  Event start, stop;
  for (int i = 0; i < o.iters; ++i) {
    BURST_CUDA_CHECK(cudaEventRecord(start.get(), nullptr));
    run();
    BURST_CUDA_CHECK(cudaEventRecord(stop.get(), nullptr));
    BURST_CUDA_CHECK(cudaEventSynchronize(stop.get()));
    float t = 0.0f;
    BURST_CUDA_CHECK(cudaEventElapsedTime(&t, start.get(), stop.get()));
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void bench_shape(const Options& o, const DeviceLimits& limits, long n, long d, bool causal) {
  const long batch = o.tokens / n, heads = o.hidden / d;
  if (batch < 1 || heads < 1) return;
  const std::size_t elems = static_cast<std::size_t>(batch * n * heads * d), esize = dtype_size(o.dtype);
  DeviceMemory q(elems * esize), k(elems * esize), v(elems * esize), dout(elems * esize),
      o_cast(elems * esize);
  DeviceMemory out(elems * 4), dq(elems * 4), dk(elems * 4), dv(elems * 4);
  DeviceMemory lse(static_cast<std::size_t>(batch * heads * n) * 4),
      delta(static_cast<std::size_t>(batch * heads * n) * 4);
  fill_random(q.get(), elems, o.dtype, 1), fill_random(k.get(), elems, o.dtype, 2),
      fill_random(v.get(), elems, o.dtype, 3);
  fill_random(dout.get(), elems, o.dtype, 4), fill_random(o_cast.get(), elems, o.dtype, 5);
  BURST_CUDA_CHECK(cudaMemset(out.get(), 0, elems * 4));
  BURST_CUDA_CHECK(
      cudaMemset(lse.get(), 0, static_cast<std::size_t>(batch * heads * n) * 4));  // finite lse for bwd

  const MaskParams mask{causal ? MaskMode::causal : MaskMode::none, 0, 1, 0, 1, {}};
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const double fwd_flops = 4.0 * batch * double(n) * double(n) * heads * d * (causal ? 0.5 : 1.0);
  for (const KernelDesc& desc : kernel_registry()) {
    if (desc.backend != Backend::cuda || (!o.variant.empty() && desc.name != o.variant)) continue;
    if (can_run_on(desc, limits)) continue;
    const char* pass = desc.launch_forward ? "fwd" : "bwd";
    double ms = 0.0, flops = 0.0;
    if (desc.launch_forward) {
      FwdBlockParams p;
      p.dtype = o.dtype, p.batch = batch, p.nq = n, p.nk = n, p.heads = heads, p.kv_heads = heads,
      p.head_dim = d;
      p.scale = scale, p.q = q.get(), p.k = k.get(), p.v = v.get(), p.o = out.f(), p.lse = lse.f();
      p.q_row_stride = p.kv_row_stride = p.o_row_stride = heads * d;
      p.q_batch_stride = p.kv_batch_stride = p.o_batch_stride = n * heads * d;
      p.lse_head_stride = n, p.lse_batch_stride = heads * n;
      p.mask = mask, p.tile_q = desc.tile_q, p.tile_kv = desc.tile_kv;
      if (can_implement(desc, p)) continue;
      ms = median_ms(o, [&] { desc.launch_forward(p, nullptr); });
      flops = fwd_flops;
    } else {
      BwdBlockParams p;
      p.dtype = o.dtype, p.batch = batch, p.nq = n, p.nk = n, p.heads = heads, p.kv_heads = heads,
      p.head_dim = d;
      p.scale = scale, p.q = q.get(), p.dout = dout.get(), p.k = k.get(), p.v = v.get();
      p.lse = lse.f(), p.delta = delta.f(), p.dq = dq.f(), p.dk = dk.f(), p.dv = dv.f();
      p.q_row_stride = p.kv_row_stride = p.dq_row_stride = p.dkv_row_stride = heads * d;
      p.q_batch_stride = p.kv_batch_stride = p.dq_batch_stride = p.dkv_batch_stride = n * heads * d;
      p.stat_head_stride = n, p.stat_batch_stride = heads * n;
      p.mask = mask, p.tile_q = desc.tile_q, p.tile_kv = desc.tile_kv;
      if (can_implement(desc, p)) continue;
      DeltaParams dp;
      dp.dtype = o.dtype, dp.batch = batch, dp.n = n, dp.heads = heads, dp.head_dim = d;
      dp.dout = dout.get(), dp.o = o_cast.get(), dp.delta = delta.f();
      ms = median_ms(o, [&] {
        cuda::delta_launch(dp, nullptr);
        desc.launch_backward(p, nullptr);
      });
      flops = 2.5 * fwd_flops;
    }
    std::printf("burst,%s,%s,%ld,%ld,%ld,%ld,%d,%s,%.4f,%.2f\n", std::string(desc.name).c_str(), pass, n,
                batch, heads, d, causal ? 1 : 0, std::string(to_string(o.dtype)).c_str(), ms,
                flops / (ms * 1e-3) / 1e12);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
      std::fprintf(stderr, "burst_gpu_bench: no CUDA device\n");
      return 1;
    }
    const DeviceLimits limits = cuda::current_device_limits();
    std::printf("impl,variant,pass,seq,batch,heads,head_dim,causal,dtype,ms,tflops\n");
    for (long d : o.dims)
      for (int causal = 0; causal < 2; ++causal)
        for (long n : o.seqs) bench_shape(o, limits, n, d, causal != 0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "burst_gpu_bench: %s\n", e.what());
    return 1;
  }
}
