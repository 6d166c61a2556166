"""The backward with ring.bwd_comm = kv (dk, dv travel the ring instead of q's gradients) chosen
from a profile through BURST_PROFILE, over torch.distributed (gloo, CPU) at world 2 and 4: every
layout, MHA and GQA, causal and not; the unsharded gradients against the float64 reference
(tolerance: attention_reference.py). Each rank also asserts that the op really runs bwd_comm kv,
so a profile that silently fell back to the default (q) would fail the test."""

import json

import pytest
import torch.distributed as dist

from attention_reference import max_rel_error, random_inputs, reference_with_grads
from test_distributed import (B, D, HEADS, N, _init, _spawn, assert_errors_within_fp32, cases, rank_results,
                              write_results)


FINGERPRINT = {  # another machine's: under policy warn its entries are used with a warning
    "backend": "cpu", "cpu_model": "Profile Test CPU @ 1.0GHz", "cpu_cores": 4, "gpu_model": "",
    "gpu_count": 0, "compute_capability": "", "sm_count": 0, "driver_version": "", "cuda_version": "",
    "nccl_version": "", "nodes": 1, "link_classes": ["shared_memory"],
}


def _entry(world, heads, kv_heads, causal):
    return {
        "key": {"world_size": world, "heads": heads, "kv_heads": kv_heads, "head_dim": D, "dtype": "fp32",
                "causal": causal, "pass": "fwd+bwd", "seq_min": 32, "seq_max": 1024},
        "params": {"kernel.tile_q": 32, "kernel.tile_kv": 32, "ring.bwd_comm": "kv"},
        "measured": {"median_s": 0.001, "noise": 0.01, "tflops": 0.1, "speedup_vs_default": 1.1},
        "provenance": {"tool_version": "0.1.0", "date": "2025-01-31T12:00:00Z"},
    }


def _kv_worker(rank, world, store, out):
    import burst
    from burst import _burst
    _init(rank, world, store)
    try:
        results = []
        for layout, causal, heads, kv_heads in cases():
            q, k, v, dout = random_inputs(B, N, heads, kv_heads, D, seed=31 * heads + kv_heads + causal)
            ql, kl, vl = (burst.shard(t, layout).requires_grad_() for t in (q, k, v))
            schedule = _burst.op(ql, kl, causal, layout, 0.0, dist.group.WORLD).schedule
            text = burst.explain(ql, kl, causal=causal, layout=layout)
            o = burst.attention(ql, kl, vl, causal=causal, layout=layout)
            o.backward(burst.shard(dout, layout))
            got = (burst.unshard(ql.grad, layout), burst.unshard(kl.grad, layout), burst.unshard(vl.grad, layout))
            ref = reference_with_grads(q, k, v, dout, causal)[2:]
            errors = {name: max_rel_error(g, r) for name, g, r in zip(["dq", "dk", "dv"], got, ref)}
            results.append({"layout": layout, "causal": causal, "heads": heads, "kv_heads": kv_heads,
                            "bwd_comm": schedule["ring.bwd_comm"],
                            "explained": "ring.bwd_comm = kv (entry)" in text, "errors": errors})
        write_results(out, rank, results)
    finally:
        burst.clear_cache()
        dist.destroy_process_group()


@pytest.mark.parametrize("world", [2, 4])
def test_backward_with_bwd_comm_kv_against_float64_reference(world, tmp_path, monkeypatch):
    profile = tmp_path / "kv.json"
    entries = [_entry(world, h, hk, c) for h, hk in HEADS for c in (False, True)]
    profile.write_text(json.dumps({"schema": "burst-profile/1.1", "fingerprint": FINGERPRINT, "entries": entries}))
    # The spawned ranks are fresh interpreters: they read these when their first op selects.
    monkeypatch.setenv("BURST_PROFILE", str(profile))
    monkeypatch.setenv("BURST_PROFILE_POLICY", "warn")
    out = _spawn(_kv_worker, world, tmp_path)
    for _, label, r in rank_results(out, world):
        assert r["bwd_comm"] == "kv", f"{label}: the op runs ring.bwd_comm {r['bwd_comm']}, not the entry's kv"
        assert r["explained"], f"{label}: burst.explain does not name the entry's ring.bwd_comm kv"
        assert_errors_within_fp32(label, r["errors"])
