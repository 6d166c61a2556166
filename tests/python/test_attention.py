"""burst.attention at world 1 (torch.distributed not initialised) against the float64 reference,
plus shard/unshard/positions against libburst's own shard_rows. Tolerances: attention_reference.py."""

import pytest
import torch

import burst
from burst import _burst
from burst._sharding import shard_as
from attention_reference import allowed_error, max_rel_error, random_inputs, reference_with_grads

LAYOUTS = ["contiguous", "zigzag", "striped"]
HEADS = [(4, 4), (4, 2), (4, 1)]  # MHA, GQA, MQA
B, N, D = 2, 96, 32  # head dim 32: the CPU kernels take 32..256, multiples of 8


def run_burst(q, k, v, dout, causal, layout, scale=None):
    """burst.attention on shards of global tensors, unsharded back: (o, lse, dq, dk, dv)."""
    ql, kl, vl = (burst.shard(t, layout).requires_grad_() for t in (q, k, v))
    o, lse = burst.attention(ql, kl, vl, causal=causal, layout=layout, return_lse=True, scale=scale)
    o.backward(burst.shard(dout, layout))
    return (burst.unshard(o, layout), burst.unshard(lse, layout, dim=2), burst.unshard(ql.grad, layout),
            burst.unshard(kl.grad, layout), burst.unshard(vl.grad, layout))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("heads,kv_heads", HEADS)
def test_forward_backward_fp32(layout, causal, heads, kv_heads):
    q, k, v, dout = random_inputs(B, N, heads, kv_heads, D, seed=heads * 10 + kv_heads + causal)
    got = run_burst(q, k, v, dout, causal, layout)
    ref = reference_with_grads(q, k, v, dout, causal)
    for name, g, r in zip(["o", "lse", "dq", "dk", "dv"], got, ref):
        assert g.shape == r.shape, name
        assert g.dtype == (torch.float32), name
        err = max_rel_error(g, r)
        assert err <= allowed_error(torch.float32, 0.0), f"{name}: max rel error {err:.3e}"


def test_explicit_scale_and_non_contiguous_inputs():
    heads, kv_heads = 4, 2
    q, k, v, dout = random_inputs(B, N, heads, kv_heads, D, seed=7)
    # (B, H, N, d) storage viewed as (B, N, H, d): strided, as attention code often produces it.
    qt = q.transpose(1, 2).contiguous().transpose(1, 2).requires_grad_()
    kt = k.transpose(1, 2).contiguous().transpose(1, 2).requires_grad_()
    vt = v.transpose(1, 2).contiguous().transpose(1, 2).requires_grad_()
    assert not qt.is_contiguous()
    o, lse = burst.attention(qt, kt, vt, causal=True, return_lse=True, scale=0.3)
    o.backward(dout.transpose(1, 2).contiguous().transpose(1, 2))  # a strided gradient too
    ref = reference_with_grads(q, k, v, dout, True, scale=0.3)
    for name, g, r in zip(["o", "lse", "dq", "dk", "dv"], (o, lse, qt.grad, kt.grad, vt.grad), ref):
        err = max_rel_error(g, r)
        assert err <= allowed_error(torch.float32, 0.0), f"{name}: max rel error {err:.3e}"
    # The scale really reached the kernels: the default scale gives another output.
    o_default = burst.attention(q, k, v, causal=True)
    assert max_rel_error(o_default, ref[0]) > 1e-3


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_against_float32_baseline(dtype):
    heads, kv_heads = 4, 2
    q, k, v, dout = random_inputs(B, N, heads, kv_heads, D, dtype=dtype, seed=3)
    got = run_burst(q, k, v, dout, True, "zigzag")
    ref = reference_with_grads(q, k, v, dout, True)
    base = reference_with_grads(q, k, v, dout, True, dtype=torch.float32)
    for i, name in enumerate(["o", "lse", "dq", "dk", "dv"]):
        expected_dtype = torch.float32 if name == "lse" else dtype
        assert got[i].dtype == expected_dtype, name
        baseline = max_rel_error(base[i].to(expected_dtype), ref[i])
        err = max_rel_error(got[i], ref[i])
        assert err <= allowed_error(dtype, baseline), f"{name}: {err:.3e} vs baseline {baseline:.3e}"


def test_lse_is_not_differentiable_and_o_is():
    q, k, v, _ = random_inputs(1, 64, 4, 4, D, seed=1)
    q.requires_grad_()
    o, lse = burst.attention(q, k, v, return_lse=True)
    assert o.requires_grad and not lse.requires_grad
    assert lse.shape == (1, 4, 64) and lse.dtype == torch.float32


def test_ops_are_cached_per_shape_and_layout():
    burst.clear_cache()
    q, k, v, _ = random_inputs(1, 64, 4, 2, D, seed=2)
    for _ in range(3):
        burst.attention(q, k, v, causal=True)
    assert _burst.cache_size() == 1
    burst.attention(q, k, v, causal=True, layout="zigzag")
    burst.attention(q, k, v, causal=False)
    assert _burst.cache_size() == 3
    burst.clear_cache()
    assert _burst.cache_size() == 0


def test_the_cache_is_bounded():
    burst.clear_cache()
    capacity = _burst.cache_capacity
    for i in range(capacity + 3):  # one op per sequence length
        q, k, v, _ = random_inputs(1, 2 * (i + 1), 4, 4, D, seed=5)
        burst.attention(q, k, v)
        assert _burst.cache_size() == min(i + 1, capacity)
    burst.clear_cache()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_shard_matches_libburst_shard_rows(layout, world):
    x = torch.randn(2, 48, 3, 5)
    rows = []
    for rank in range(world):
        mine = shard_as(x, layout, rank, world)
        assert torch.equal(mine, _burst.shard_rows(x, layout, rank, world))
        pos = _burst.positions(48, layout, rank, world)
        assert torch.equal(mine, x[:, pos])
        rows.append(pos)
    # Every global row belongs to exactly one rank.
    assert torch.equal(torch.cat(rows).sort().values, torch.arange(48))


def test_shard_other_dims_and_unshard_round_trip_at_world_1():
    x = torch.randn(3, 5, 40)
    for layout in LAYOUTS:
        assert torch.equal(burst.shard(x, layout, dim=-1), x)  # one rank holds everything, in order
        assert torch.equal(burst.unshard(x, layout, dim=2), x)
        assert torch.equal(burst.positions(40, layout), torch.arange(40))


def test_shard_is_differentiable():
    x = torch.randn(2, 8, 3, requires_grad=True)
    shard_as(x, "zigzag", 1, 2).sum().backward()
    # Rank 1 of 2 under zigzag holds chunks 1 and 2 of 4: global rows 2, 3, 4, 5.
    expected = torch.zeros(2, 8, 3)
    expected[:, 2:6] = 1
    assert torch.equal(x.grad, expected)
