"""burst.explain and profile selection through BURST_PROFILE. The environment's profiles are read
once per process, so each case runs in a fresh interpreter with its own environment."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

FINGERPRINT = {  # some other machine: the entries are used with a warning (policy warn)
    "backend": "cpu", "cpu_model": "Profile Test CPU @ 1.0GHz", "cpu_cores": 4, "gpu_model": "",
    "gpu_count": 0, "compute_capability": "", "sm_count": 0, "driver_version": "", "cuda_version": "",
    "nccl_version": "", "nodes": 1, "link_classes": ["shared_memory"],
}


def entry(heads, kv_heads, tile_q, layout):
    return {
        "key": {"world_size": 1, "heads": heads, "kv_heads": kv_heads, "head_dim": 32, "dtype": "fp32",
                "causal": True, "pass": "fwd+bwd", "seq_min": 32, "seq_max": 1024},
        "params": {"kernel.tile_q": tile_q, "kernel.tile_kv": 32, "ring.layout": layout},
        "measured": {"median_s": 0.001, "noise": 0.01, "tflops": 0.1, "speedup_vs_default": 1.2},
        "provenance": {"tool_version": "0.1.0", "date": "2025-01-31T12:00:00Z"},
    }


# Prints explain's text, then the schedule the op really runs with, as JSON on the last line.
SCRIPT = textwrap.dedent("""
    import json, torch, burst
    from burst import _burst
    q = torch.randn(1, 64, 4, 32)
    k = torch.randn(1, 64, 2, 32)
    print(burst.explain(q, k, causal=True, layout="contiguous"))
    o = burst.attention(q, k, k, causal=True)
    print(json.dumps(_burst.op(q, k, True, "contiguous", 0.0, None).schedule))
""")


def run(env_updates):
    env = {key: value for key, value in os.environ.items() if not key.startswith("BURST_PROFILE")}
    env.update(env_updates)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    *text, schedule = done.stdout.strip().splitlines()
    return "\n".join(text), json.loads(schedule), done.stderr


@pytest.fixture
def profile(tmp_path):
    path = tmp_path / "tuned.json"
    # Entry 1 is the match (4 heads over 2 kv heads); entry 0 is another workload.
    data = {"schema": "burst-profile/1.1", "fingerprint": FINGERPRINT,
            "entries": [entry(8, 8, 128, "striped"), entry(4, 2, 32, "zigzag")]}
    path.write_text(json.dumps(data))
    return str(path)


def test_profile_entry_is_named_and_used(profile):
    text, schedule, stderr = run({"BURST_PROFILE": profile})
    assert f"entry: {profile} $.entries[1]" in text
    assert "kernel.tile_q = 32 (entry)" in text
    assert "kernel.tile_kv = 32 (entry)" in text
    # The caller's layout wins over the entry's, and explain says so.
    assert "layout: contiguous, given by the caller" in text
    assert "the entry's ring.layout zigzag (not used)" in text
    assert "kernels: forward cpu_tiled, backward cpu_tiled" in text
    # What burst.attention actually runs: the entry's tiles, the caller's layout.
    assert schedule["kernel.tile_q"] == "32" and schedule["kernel.tile_kv"] == "32"
    assert schedule["ring.layout"] == "contiguous"


def test_defaults_without_burst_profile():
    text, schedule, _ = run({})
    assert "selection: defaults" in text
    assert "entry: none" in text
    assert "kernel.tile_q = 64 (default)" in text
    assert "any profile's ring.layout (this selection sets none)" in text
    assert schedule["kernel.tile_q"] == "64"


def test_strict_policy_refuses_a_foreign_fingerprint(profile):
    text, schedule, _ = run({"BURST_PROFILE": profile, "BURST_PROFILE_POLICY": "strict"})
    assert "selection: defaults" in text
    assert schedule["kernel.tile_q"] == "64"


def test_invalid_profile_is_a_value_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    env = {key: value for key, value in os.environ.items() if not key.startswith("BURST_PROFILE")}
    env["BURST_PROFILE"] = str(bad)
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "ValueError" in done.stderr and str(bad) in done.stderr
