"""Float64 reference attention and the tolerance model of the binding's tests.

The same model as tests/support/reference.hpp (docs/algorithm.md, "Accuracy"):
    err      = max |got - ref| / max |ref|       against float64 on the same (rounded) inputs
    fp32     : err <= 1e-5                       (a few fp32 ulps of accumulation-order difference)
    fp16/bf16: err <= 4 * baseline + 1e-5        baseline: the same metric for plain attention in
                                                 float32 arithmetic on the same inputs, rounded to
                                                 the input dtype (what any half implementation gets)
"""

import math

import torch

FP32_FLOOR = 1e-5
HALF_MULTIPLE = 4.0


def reference(q, k, v, causal, scale=None):
    """softmax(q k^T * scale) v over whole sequences in q's dtype: q (B, N, H, d), k, v (B, N, Hkv, d);
    query head h reads kv head h // (H / Hkv). Returns o (B, N, H, d) and lse (B, H, N)."""
    heads, kv_heads = q.shape[2], k.shape[2]
    group = heads // kv_heads
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    k = k.repeat_interleave(group, dim=2)
    v = v.repeat_interleave(group, dim=2)
    s = torch.einsum("bqhd,bkhd->bhqk", q, k) * scale
    if causal:
        n = q.shape[1]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    o = torch.einsum("bhqk,bkhd->bqhd", s.softmax(dim=-1), v)
    return o, torch.logsumexp(s, dim=-1)


def reference_with_grads(q, k, v, dout, causal, scale=None, dtype=torch.float64):
    """(o, lse, dq, dk, dv) of reference() computed in `dtype` from the given values."""
    q, k, v = (t.detach().to(dtype).requires_grad_() for t in (q, k, v))
    o, lse = reference(q, k, v, causal, scale)
    o.backward(dout.detach().to(dtype))
    return o.detach(), lse.detach(), q.grad, k.grad, v.grad


def max_rel_error(got, ref):
    ref = ref.double()
    err = (got.double() - ref).abs().max() / ref.abs().max().clamp_min(1e-30)
    return float(err) if torch.isfinite(err) else float("inf")


def allowed_error(dtype, baseline_error):
    return FP32_FLOOR if dtype == torch.float32 else HALF_MULTIPLE * baseline_error + FP32_FLOOR


def random_inputs(batch, seq, heads, kv_heads, head_dim, dtype=torch.float32, seed=0):
    """q, k, v, dout uniform in [-1, 1) as float32 rounded to `dtype` (identical on every rank)."""
    g = torch.Generator().manual_seed(seed)
    q_shape, kv_shape = (batch, seq, heads, head_dim), (batch, seq, kv_heads, head_dim)
    shapes = [q_shape, kv_shape, kv_shape, q_shape]
    return [(torch.rand(s, generator=g) * 2 - 1).to(dtype) for s in shapes]
