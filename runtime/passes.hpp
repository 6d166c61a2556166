// The two ring passes; BurstAttention (runtime/burst_attention.cpp) owns the state they share.
#pragma once

#include "runtime/attention_impl.hpp"

namespace burst::runtime {

PassStats run_forward(const OpConfig& cfg, Workspace& ws, TransferEngine* engine, const void* q,
                      const void* k, const void* v, void* o, float* lse);

PassStats run_backward(const OpConfig& cfg, Workspace& ws, TransferEngine* engine, const void* q,
                       const void* k, const void* v, const void* o, const float* lse, const void* dout,
                       void* dq, void* dk, void* dv);

// Writes piece-major fp32 rows (pieces of (B, nc, row_elems)) into a (B, n, row_elems) tensor of `t`.
void store_piece_rows(ComputeBackend& be, const float* piece, std::int64_t batch, std::int64_t nc,
                      std::int64_t row_elems, std::int64_t row_begin, std::int64_t n, void* dst, DType t);

}  // namespace burst::runtime
