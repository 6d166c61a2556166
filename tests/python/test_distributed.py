"""burst.attention over torch.distributed (gloo, CPU) at world 2 and 4: every layout, causal and
not, MHA and GQA; the unsharded o, lse and gradients against the float64 reference at world 1
(tolerance: attention_reference.py). Ranks are processes started with torch.multiprocessing.spawn
and joined through a FileStore in a temporary folder, so nothing listens on a port."""

import json
import os
import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from attention_reference import allowed_error, max_rel_error, random_inputs, reference_with_grads

LAYOUTS = ["contiguous", "zigzag", "striped"]
HEADS = [(4, 4), (4, 2)]
B, N, D = 2, 64, 32  # N = 64: every layout splits at world 2 and 4 (zigzag needs 2G | N)
JOIN_TIMEOUT_S = 240


def _init(rank, world, store):
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)


def cases():
    """Every (layout, causal, heads, kv_heads) the distributed tests run, in one order on every rank."""
    for layout in LAYOUTS:
        for causal in (False, True):
            for heads, kv_heads in HEADS:
                yield layout, causal, heads, kv_heads


def write_results(out, rank, results):
    with open(f"{out}.{rank}", "w") as f:
        json.dump(results, f)


def rank_results(out, world):
    """(rank, label, result) for every rank's results, each rank having run every case; label names
    the world, rank and case for assertion messages."""
    for rank in range(world):
        with open(f"{out}.{rank}") as f:
            results = json.load(f)
        assert len(results) == len(LAYOUTS) * 2 * len(HEADS)
        for r in results:
            yield rank, (f"world {world} rank {rank} {r['layout']} causal={r['causal']} "
                         f"H={r['heads']} Hkv={r['kv_heads']}"), r


def assert_errors_within_fp32(label, errors):
    for name, err in errors.items():
        print(f"{label} {name} {err:.2e}")
        assert err <= allowed_error(torch.float32, 0.0), f"{label}: {name} max rel error {err:.3e}"


def _attention_worker(rank, world, store, out):
    import burst
    from burst import _burst
    _init(rank, world, store)
    try:
        results = []
        for layout, causal, heads, kv_heads in cases():
            seed = 17 * heads + kv_heads + causal
            q, k, v, dout = random_inputs(B, N, heads, kv_heads, D, seed=seed)
            ql, kl, vl = (burst.shard(t, layout).requires_grad_() for t in (q, k, v))
            # The shard is this rank's rows by libburst's own shard_rows.
            assert torch.equal(ql.detach(), _burst.shard_rows(q, layout, rank, world))
            assert torch.equal(burst.positions(N, layout), _burst.positions(N, layout, rank, world))
            o, lse = burst.attention(ql, kl, vl, causal=causal, layout=layout, return_lse=True)
            o.backward(burst.shard(dout, layout))
            got = (burst.unshard(o, layout), burst.unshard(lse, layout, dim=2), burst.unshard(ql.grad, layout),
                   burst.unshard(kl.grad, layout), burst.unshard(vl.grad, layout))
            ref = reference_with_grads(q, k, v, dout, causal)
            names = ["o", "lse", "dq", "dk", "dv"]
            errors = {name: max_rel_error(g, r) for name, g, r in zip(names, got, ref)}
            results.append({"layout": layout, "causal": causal, "heads": heads, "kv_heads": kv_heads,
                            "errors": errors})
        # One op per (layout, causal, heads) shape, reused by its backward.
        assert _burst.cache_size() == len(results), _burst.cache_size()
        write_results(out, rank, results)
    finally:
        burst.clear_cache()
        dist.destroy_process_group()


def _timeout_worker(rank, world, store, out):
    import burst
    _init(rank, world, store)
    q, k, v, _ = random_inputs(1, 64, 4, 4, D)
    burst.attention(burst.shard(q), burst.shard(k), burst.shard(v))  # both ranks: selects, builds the op
    burst.set_timeout(2.0)
    if rank == 0:
        start = time.monotonic()
        try:
            burst.attention(burst.shard(q), burst.shard(k), burst.shard(v))  # rank 1 never joins
            message = "no error"
        except TimeoutError as e:
            message = str(e)
        with open(f"{out}.{rank}", "w") as f:
            json.dump({"message": message, "seconds": time.monotonic() - start}, f)
    dist.barrier()  # rank 1 stays until rank 0 has given up
    os._exit(0)  # rank 0's group is aborted; skip the teardown of its transfers


def _spawn(worker, world, tmp_path):
    store, out = str(tmp_path / "store"), str(tmp_path / "result")
    context = mp.spawn(worker, args=(world, store, out), nprocs=world, join=False)
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    while not context.join(timeout=5):
        if time.monotonic() > deadline:
            for p in context.processes:
                p.kill()
            pytest.fail(f"world {world}: ranks still running after {JOIN_TIMEOUT_S} s")
    return out


@pytest.mark.parametrize("world", [2, 4])
def test_world_against_float64_reference(world, tmp_path):
    out = _spawn(_attention_worker, world, tmp_path)
    for _, label, r in rank_results(out, world):
        assert_errors_within_fp32(label, r["errors"])


def test_a_missing_rank_times_out_with_a_message(tmp_path):
    out = _spawn(_timeout_worker, 2, tmp_path)
    with open(f"{out}.0") as f:
        result = json.load(f)
    assert "rank 0" in result["message"] and "rank 1" in result["message"], result["message"]
    assert "2000 ms" in result["message"], result["message"]
    assert result["seconds"] < 30, result
