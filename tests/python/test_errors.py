"""Bad input raises a Python exception carrying libburst's (or the binding's) one-line message;
nothing crashes and the op cache stays usable afterwards."""

import pytest
import torch

import burst
from attention_reference import random_inputs


def qkv(batch=1, n=64, heads=4, kv_heads=4, d=32, kv_n=None, dtype=torch.float32):
    q = torch.randn(batch, n, heads, d, dtype=dtype)
    k = torch.randn(batch, kv_n or n, kv_heads, d, dtype=dtype)
    v = torch.randn(batch, kv_n or n, kv_heads, d, dtype=dtype)
    return q, k, v


def one_line(excinfo):
    text = str(excinfo.value)
    assert "\n" not in text, text
    return text


def test_q_and_k_with_different_lengths():
    q, k, v = qkv(kv_n=32)
    with pytest.raises(ValueError) as e:
        burst.attention(q, k, v)
    assert "q has 64 local tokens but k has 32" in one_line(e)


def test_heads_not_divisible_by_kv_heads():
    q, k, v = qkv(heads=4, kv_heads=3)
    with pytest.raises(ValueError) as e:
        burst.attention(q, k, v)
    assert "kv heads 3 must divide heads 4" in one_line(e)  # libburst's validate()


def test_zigzag_needs_an_even_local_length():
    q, k, v = qkv(n=63)
    with pytest.raises(ValueError) as e:
        burst.attention(q, k, v, layout="zigzag")
    assert "layout zigzag needs the sequence length 63 divisible by 2 x world size = 2" in one_line(e)


def test_shard_of_a_sequence_the_world_cannot_split():
    x = torch.randn(1, 10, 4)
    with pytest.raises(ValueError) as e:
        burst._sharding.shard_as(x, "contiguous", 0, 4)
    assert "sequence length 10 is not allowed: layout contiguous at world 4 needs a positive multiple of 4" \
        in one_line(e)
    with pytest.raises(ValueError) as e:
        burst._sharding.shard_as(x, "zigzag", 1, 3)
    assert "needs a positive multiple of 6" in one_line(e)


def test_unknown_layout():
    q, k, v = qkv()
    with pytest.raises(ValueError) as e:
        burst.attention(q, k, v, layout="spiral")
    assert "spiral" in one_line(e)


def test_head_dim_the_kernels_do_not_take():
    q, k, v = qkv(d=16)
    with pytest.raises(ValueError) as e:
        burst.attention(q, k, v)
    assert "head dim 16 is not supported" in one_line(e)


def test_wrong_rank_dtype_device_and_scale():
    q, k, v = qkv()
    with pytest.raises(ValueError, match=r"q must be \(B, n, H, d\), got shape \(64, 4, 32\)"):
        burst.attention(q[0], k, v)
    with pytest.raises(ValueError, match="dtype Double is not supported"):
        burst.attention(q.double(), k.double(), v.double())
    with pytest.raises(ValueError, match="q is Float but k is Half"):
        burst.attention(q, k.half(), v.half())
    with pytest.raises(ValueError, match=r"v has shape \(1, 64, 2, 32\), expected \(1, 64, 4, 32\)"):
        burst.attention(q, k, v[:, :, :2])
    with pytest.raises(ValueError, match="scale -1.0 must be > 0"):
        burst.attention(q, k, v, scale=-1.0)
    with pytest.raises(ValueError, match="q is on meta; libburst's runtime drives its CPU backend"):
        burst.attention(q.to("meta"), k.to("meta"), v.to("meta"))


def test_bad_group_is_a_type_error():
    q, k, v = qkv()
    with pytest.raises(TypeError, match="group must be a torch.distributed ProcessGroup or None, got int"):
        burst.attention(q, k, v, group=3)


def test_the_cache_still_works_after_errors():
    q, k, v, _ = random_inputs(1, 64, 4, 2, 32)
    with pytest.raises(ValueError):
        burst.attention(q, k[:, :32], v[:, :32])
    o = burst.attention(q, k, v, causal=True)
    assert torch.isfinite(o).all()
