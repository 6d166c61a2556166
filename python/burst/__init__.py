"""burst: libburst's BurstAttention (ring attention over torch.distributed ranks) for PyTorch.

    o = burst.attention(q, k, v, causal=True, layout="zigzag")   # this rank's shards
    q_local = burst.shard(q, "zigzag")                            # global -> this rank's rows
    o_global = burst.unshard(o, "zigzag")                         # all-gather + reorder
    pos = burst.positions(N, "zigzag")                            # global positions of my rows
    print(burst.explain(q_local, k_local, causal=True, layout="zigzag"))

docs/python.md documents shapes, layouts, process groups, profiles and the build.
"""

import atexit

import torch  # noqa: F401  (loads libtorch before the extension needs it)

from burst import _burst
from burst._attention import attention, explain
from burst._sharding import positions, shard, unshard
from burst._world import resolve_group
from burst import _sharding

__version__ = _burst.version
__all__ = ["attention", "explain", "shard", "unshard", "positions", "set_timeout", "clear_cache"]


def set_timeout(seconds, group=None):
    """How long any wait on the group's ring transfers and selection collectives may take before
    burst.attention raises TimeoutError (default 120 s). A rank that timed out has aborted its
    transfers on that group: later calls on it raise RuntimeError; end the job."""
    _burst.set_timeout(float(seconds), resolve_group(group))


def clear_cache():
    """Drops the cached ops, schedule choices and communicators. Call it on every rank at the same
    point (the next call selects again, collectively), e.g. before destroy_process_group()."""
    _burst.clear_cache()
    _sharding.clear()


# Ops hold process groups: release them while torch is still alive, not in static destructors.
atexit.register(_burst.clear_cache)
