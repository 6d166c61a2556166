"""Global order <-> a rank's local order under each layout (libburst's burst/shard.hpp).

The index map comes from burst::global_position, computed once per (N, layout, rank, world); shard
and unshard are then plain index_select calls, so they work for any dtype and any dim and shard is
differentiable (its backward scatters the gradient back into the global rows)."""

import functools

import torch
import torch.distributed as dist

from burst import _burst
from burst._world import rank_and_size, resolve_group


@functools.lru_cache(maxsize=256)
def _positions(seq, layout, rank, world):
    # Cached tensors are shared: callers must not modify them (positions() hands out a copy).
    return _burst.positions(seq, layout, rank, world)


@functools.lru_cache(maxsize=64)
def _unshard_order(seq, layout, world):
    # Row r*n + i of the rank-ordered concatenation holds global row positions(r)[i]; its inverse
    # takes the concatenation to global order.
    order = torch.cat([_positions(seq, layout, r, world) for r in range(world)])
    return torch.argsort(order)


def _check_dim(x, dim, what):
    if not -x.dim() <= dim < x.dim():
        raise ValueError(f"{what}: dim {dim} is out of range for a tensor of shape {tuple(x.shape)}")
    return dim % x.dim()


def positions(seq, layout="contiguous", group=None):
    """Global token positions (int64, length seq / G) of this rank's rows under `layout`."""
    rank, world = rank_and_size(group)
    return _positions(int(seq), layout, rank, world).clone()


def shard_as(x, layout, rank, world, dim=1):
    """The rows of global x (length N along `dim`) that `rank` of `world` holds, in local order."""
    dim = _check_dim(x, dim, "burst.shard")
    index = _positions(int(x.shape[dim]), layout, rank, world)
    return x.index_select(dim, index.to(x.device))


def shard(x, layout="contiguous", group=None, dim=1):
    """This rank's shard of a global tensor (B, N, ...): N / G rows along `dim`, in `layout`'s
    local order. Every rank passes the same global x."""
    rank, world = rank_and_size(group)
    return shard_as(x, layout, rank, world, dim)


def unshard(x_local, layout="contiguous", group=None, dim=1):
    """The global tensor from every rank's shard: an all-gather over the group, then the rows
    reordered from `layout`'s local order to global order. Collective; not differentiable."""
    pg = resolve_group(group)
    _, world = rank_and_size(pg)
    dim = _check_dim(x_local, dim, "burst.unshard")
    x_local = x_local.detach().contiguous()
    if world == 1:
        parts = [x_local]
    else:
        parts = [torch.empty_like(x_local) for _ in range(world)]
        dist.all_gather(parts, x_local, group=pg)
    gathered = torch.cat(parts, dim)
    order = _unshard_order(int(gathered.shape[dim]), layout, world)
    return gathered.index_select(dim, order.to(gathered.device))


def clear():
    _positions.cache_clear()
    _unshard_order.cache_clear()
