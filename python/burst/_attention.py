"""burst.attention: libburst's BurstAttention as a differentiable PyTorch op.

Two registrations of the same C++ op (burst._burst.Op):
  - a torch.autograd.Function, always available (torch 1.13 and later);
  - where torch.library.custom_op exists (torch >= 2.4), custom ops burst::attention and
    burst::attention_backward with fake (meta) implementations and register_autograd, so
    torch.compile traces the call as one opaque node instead of breaking the graph. That path is
    used whenever it exists; it cannot run on torch 1.13 and is untested there (docs/python.md).
"""

from typing import Tuple

import torch
from torch.autograd.function import once_differentiable

from burst import _burst
from burst._world import resolve_group


def _scale_arg(scale):
    if scale is None:
        return 0.0  # libburst's "1/sqrt(d)"
    scale = float(scale)
    if not scale > 0.0:
        raise ValueError(f"burst.attention: scale {scale} must be > 0 (or None: 1/sqrt(d))")
    return scale


def _op(q, k, causal, layout, scale, group):
    """The cached libburst op for these shards (building it is collective over the group)."""
    return _burst.op(q, k, bool(causal), layout, scale, group)


class _BurstAttentionFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, causal, layout, scale, group):
        op = _op(q, k, causal, layout, scale, group)
        o, lse = op.forward(q, k, v)
        ctx.save_for_backward(q, k, v, o, lse)
        ctx.op = op
        ctx.mark_non_differentiable(lse)
        return o, lse

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_o, grad_lse):
        # lse is not differentiable (marked above): grad_lse is zeros and ignored.
        q, k, v, o, lse = ctx.saved_tensors
        dq, dk, dv = ctx.op.backward(q, k, v, o, lse, grad_o)
        return dq, dk, dv, None, None, None, None


_custom_op = None
_groups = {0: None}  # group id -> ProcessGroup (0: a world of one process)


def _group_id(group):
    group = resolve_group(group)
    if group is None:
        return 0
    for key, value in _groups.items():
        if value is group:
            return key
    key = len(_groups)
    _groups[key] = group
    return key


if hasattr(torch.library, "custom_op"):
    # The group travels as an int (custom ops take no Python objects); resolving it must not be
    # traced: it reads torch.distributed state, which is constant for the life of a compiled graph.
    _assume_constant = getattr(getattr(torch, "compiler", None), "assume_constant_result", None)
    if _assume_constant is not None:
        _group_id = _assume_constant(_group_id)

    @torch.library.custom_op("burst::attention", mutates_args=(), device_types="cpu")
    def _attention_op(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool, layout: str,
                      scale: float, group_id: int) -> Tuple[torch.Tensor, torch.Tensor]:
        o, lse = _op(q, k, causal, layout, scale, _groups[group_id]).forward(q, k, v)
        return o, lse

    @_attention_op.register_fake
    def _attention_fake(q, k, v, causal, layout, scale, group_id):
        batch, n, heads, _ = q.shape
        return (torch.empty(q.shape, dtype=q.dtype, device=q.device),
                torch.empty((batch, heads, n), dtype=torch.float32, device=q.device))

    @torch.library.custom_op("burst::attention_backward", mutates_args=(), device_types="cpu")
    def _attention_backward_op(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, o: torch.Tensor,
                               lse: torch.Tensor, grad_o: torch.Tensor, causal: bool, layout: str,
                               scale: float,
                               group_id: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        op = _op(q, k, causal, layout, scale, _groups[group_id])
        dq, dk, dv = op.backward(q, k, v, o, lse, grad_o)
        return dq, dk, dv

    @_attention_backward_op.register_fake
    def _attention_backward_fake(q, k, v, o, lse, grad_o, causal, layout, scale, group_id):
        return (torch.empty(q.shape, dtype=q.dtype, device=q.device),
                torch.empty(k.shape, dtype=k.dtype, device=k.device),
                torch.empty(v.shape, dtype=v.dtype, device=v.device))

    def _setup_context(ctx, inputs, output):
        q, k, v, causal, layout, scale, group_id = inputs
        o, lse = output
        ctx.save_for_backward(q, k, v, o, lse)
        ctx.args = (causal, layout, scale, group_id)

    def _backward(ctx, grad_o, grad_lse):
        q, k, v, o, lse = ctx.saved_tensors
        if grad_o is None:
            grad_o = torch.zeros_like(o)
        dq, dk, dv = _attention_backward_op(q, k, v, o, lse, grad_o, *ctx.args)
        return dq, dk, dv, None, None, None, None

    _attention_op.register_autograd(_backward, setup_context=_setup_context)
    _custom_op = _attention_op


def attention(q, k, v, causal=False, group=None, layout="contiguous", return_lse=False, scale=None):
    """BurstAttention over the ranks of `group` on this rank's shards.

    q (B, n, H, d); k, v (B, n, Hkv, d), Hkv dividing H (GQA); n = N / G tokens in `layout`'s
    local order (burst.shard). float32, float16 or bfloat16 CPU tensors. Returns o (B, n, H, d),
    or (o, lse) with lse (B, H, n) float32 (not differentiable) when return_lse.

    Collective: every rank of the group calls it with the same shapes, in the same order. The
    schedule comes from the tuned profiles (BURST_PROFILE, burst.explain); `layout` is the
    caller's, whatever a profile says, because the tensors are already sharded that way."""
    scale = _scale_arg(scale)
    if _custom_op is not None:
        o, lse = _custom_op(q, k, v, bool(causal), layout, scale, _group_id(group))
        lse = lse.detach()
    else:
        o, lse = _BurstAttentionFunction.apply(q, k, v, bool(causal), layout, scale, resolve_group(group))
    return (o, lse) if return_lse else o


def explain(q, k, causal=False, group=None, layout="contiguous", scale=None):
    """Which profile entry (or the defaults) burst.attention uses for these shards, every
    parameter in effect and where it came from, the layout note and the kernels that will run.
    Collective like attention (the first call for a shape selects over the group)."""
    return _burst.explain(q, k, bool(causal), layout, _scale_arg(scale), resolve_group(group))
