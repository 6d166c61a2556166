// Host entry points of the compiled CUDA kernels, one per instantiation (defined and explicitly
// instantiated in kernels/cuda/*.cu; cuda_registry.cpp takes their addresses). Arguments are device
// pointers; `stream` is a cudaStream_t (void* here so this header needs no CUDA header). They
// enqueue and return; failures to launch throw burst::Error (BURST_CUDA_CHECK). They do not repeat
// the registry's can_implement: the caller (runtime, tuner, tests) asks it first.
#pragma once

#include "burst/types.hpp"
#include "kernels/attention_params.hpp"

namespace burst::kernels::cuda {

// Shape is an index into tile_policy.hpp's fwd_mma_shapes.
template <DType T, int D, int Shape>
void fwd_mma_launch(const FwdBlockParams& p, void* stream);
template <int D>
void fwd_simt_launch(const FwdBlockParams& p, void* stream);
template <DType T, int D>
void bwd_simt_launch(const BwdBlockParams& p, void* stream);

// delta (B, H, n) = rowsum(dout * o) on the device (the backward pass's first step).
void delta_launch(const DeltaParams& p, void* stream);

}  // namespace burst::kernels::cuda
