"""A profile `burst-tune tune` wrote on this machine (tests/capi: world 2 and 4, threads) reaches a
torchrun job of processes through BURST_PROFILE under policy strict: burst.explain names the tuned
entry of this fingerprint, never "another system", and the op runs with it. Run under
`python -m torch.distributed.run --nproc_per_node 2`; exits 1 on any mismatch."""

import os
import sys

import torch
import torch.distributed as dist

import burst


def main():
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    # The shape tests/capi/CMakeLists.txt tunes: N 256, 2 heads, 1 kv head, d 32, causal.
    q = torch.randn(1, 256, 2, 32)
    k = torch.randn(1, 256, 1, 32)
    v = torch.randn(1, 256, 1, 32)
    ql, kl, vl = (burst.shard(t, "contiguous") for t in (q, k, v))
    text = burst.explain(ql, kl, causal=True, layout="contiguous")
    failures = []
    if "selection: exact" not in text:
        failures.append("the tuned entry was not selected exactly")
    if "this fingerprint" not in text or "another system" in text:
        failures.append("the profile tuned on this machine was called foreign")
    if "tuned with threads and this job runs processes" not in text:
        failures.append("the launch note is missing (the entry was tuned on threads)")
    o = burst.attention(ql, kl, vl, causal=True, layout="contiguous")
    if not torch.isfinite(o).all():
        failures.append("non-finite output")
    if rank == 0:
        print(text)
    for f in failures:
        print(f"rank {rank}: FAIL: {f}", file=sys.stderr)
    burst.clear_cache()
    dist.destroy_process_group()
    if not failures and rank == 0:
        print(f"profile_from_tune: ok (world {world}, BURST_PROFILE={os.environ.get('BURST_PROFILE')})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
