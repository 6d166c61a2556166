"""Which ranks a call runs on: a torch.distributed process group, or this process alone."""

import torch.distributed as dist


def resolve_group(group):
    """The ProcessGroup a call runs on, or None for a world of one process.

    group=None means the default group when torch.distributed is initialised, else this process
    alone (the whole sequence is local)."""
    if group is not None:
        if not (dist.is_available() and isinstance(group, dist.ProcessGroup)):
            raise TypeError(f"burst: group must be a torch.distributed ProcessGroup or None, "
                            f"got {type(group).__name__}")
        return group
    if dist.is_available() and dist.is_initialized():
        return dist.distributed_c10d._get_default_group()
    return None


def rank_and_size(group):
    """(rank in the group, group size); (0, 1) for a world of one process."""
    group = resolve_group(group)
    if group is None:
        return 0, 1
    return group.rank(), group.size()
