"""Context-parallel training of a tiny decoder-only language model with burst.attention, checked
step by step against the same model trained at world 1 with plain PyTorch attention.

    PYTHONPATH=build/python torchrun --standalone --nproc-per-node 4 examples/train_tiny_lm.py

Every rank holds the same replica (same seed) and its shard of every sequence (burst.shard in the
chosen layout; position embeddings from burst.positions); attention runs over the group with
burst.attention; each rank's loss covers its own tokens. The global loss is
all_reduce(sum of local loss sums) / total tokens, and the gradients are all-reduced (summed)
before the optimizer step, so the replicas stay identical and the update is that of the whole
batch. Rank 0 also trains, in the same process, an identical copy at world 1 with plain attention
on the full sequences, and compares every step's loss (relative 1e-5) and, at the end, every
parameter tensor (max |difference| / max |parameter| <= 1e-5). Exit status 1 on a mismatch.

The optimizer is SGD with momentum: an update linear in the gradient keeps the two runs'
rounding-level differences at rounding level. Adam divides each gradient element by its own
running magnitude, so elements whose true gradient is ~0 (rounding noise in both runs) would move
by O(lr) in different directions and no tight comparison would hold.
"""

import argparse
import copy
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

import burst


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=128, help="global sequence length N")
    p.add_argument("--layout", default="zigzag", choices=["contiguous", "zigzag", "striped"])
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=4, help="fewer than --heads: grouped-query attention")
    # libburst's CPU kernels take head dims 32..256: the heads project d_model 64 to 4 x 32.
    p.add_argument("--head-dim", type=int, default=32)
    p.add_argument("--vocab", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tolerance", type=float, default=1e-5)
    return p.parse_args()


class Block(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = a.heads, a.kv_heads, a.head_dim
        self.ln1 = nn.LayerNorm(a.d_model)
        self.wq = nn.Linear(a.d_model, a.heads * a.head_dim, bias=False)
        self.wk = nn.Linear(a.d_model, a.kv_heads * a.head_dim, bias=False)
        self.wv = nn.Linear(a.d_model, a.kv_heads * a.head_dim, bias=False)
        self.wo = nn.Linear(a.heads * a.head_dim, a.d_model, bias=False)
        self.ln2 = nn.LayerNorm(a.d_model)
        self.mlp = nn.Sequential(nn.Linear(a.d_model, 4 * a.d_model), nn.GELU(),
                                 nn.Linear(4 * a.d_model, a.d_model))

    def forward(self, x, attend):
        b, n, _ = x.shape
        h = self.ln1(x)
        q = self.wq(h).view(b, n, self.heads, self.head_dim)  # (B, n, H, d)
        k = self.wk(h).view(b, n, self.kv_heads, self.head_dim)  # (B, n, Hkv, d)
        v = self.wv(h).view(b, n, self.kv_heads, self.head_dim)
        x = x + self.wo(attend(q, k, v).reshape(b, n, self.heads * self.head_dim))
        return x + self.mlp(self.ln2(x))


class TinyLM(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.tokens = nn.Embedding(a.vocab, a.d_model)
        self.positions = nn.Embedding(a.seq, a.d_model)
        self.blocks = nn.ModuleList(Block(a) for _ in range(a.layers))
        self.ln = nn.LayerNorm(a.d_model)
        self.head = nn.Linear(a.d_model, a.vocab, bias=False)

    def forward(self, tokens, positions, attend):
        x = self.tokens(tokens) + self.positions(positions)
        for block in self.blocks:
            x = block(x, attend)
        return self.head(self.ln(x))


def plain_attention(q, k, v):
    """Causal softmax(q k^T / sqrt(d)) v on whole sequences, GQA by repeating kv heads."""
    group = q.shape[2] // k.shape[2]
    k, v = k.repeat_interleave(group, dim=2), v.repeat_interleave(group, dim=2)
    s = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(q.shape[-1])
    n = q.shape[1]
    s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return torch.einsum("bhqk,bkhd->bqhd", s.softmax(dim=-1), v)


def batch_of(step, a):
    """(B, N + 1) tokens, the same on every rank: arithmetic progressions modulo the vocabulary
    (start and stride per sequence, so the model must read the context), 10 % replaced by noise."""
    g = torch.Generator().manual_seed(a.seed * 100003 + step)
    start = torch.randint(a.vocab, (a.batch, 1), generator=g)
    stride = torch.randint(1, 8, (a.batch, 1), generator=g)
    tokens = (start + stride * torch.arange(a.seq + 1)) % a.vocab
    noise = torch.rand(tokens.shape, generator=g) < 0.1
    return torch.where(noise, torch.randint(a.vocab, tokens.shape, generator=g), tokens)


def rel_diff(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


def main():
    a = parse_args()
    distributed = "WORLD_SIZE" in os.environ
    if distributed:
        dist.init_process_group("gloo")  # env:// from torchrun
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1

    torch.manual_seed(a.seed)
    model = TinyLM(a)
    reference = copy.deepcopy(model) if rank == 0 else None  # identical initial weights
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=a.lr, momentum=0.9) if reference else None

    def ring_attention(q, k, v):
        return burst.attention(q, k, v, causal=True, layout=a.layout)

    positions = burst.positions(a.seq, a.layout)  # global positions of this rank's rows
    total_tokens = a.batch * a.seq
    failures = []
    # Which profile entry (BURST_PROFILE) the attention calls will use, and why: collective like
    # burst.attention (every rank selects), printed once. Shards of this job's q and k shapes.
    n = a.seq // world
    shard_q = torch.empty(a.batch, n, a.heads, a.head_dim)
    shard_k = torch.empty(a.batch, n, a.kv_heads, a.head_dim)
    explained = burst.explain(shard_q, shard_k, causal=True, layout=a.layout)
    if rank == 0:
        print(explained, flush=True)
    if rank == 0:
        print(f"tiny LM: {a.layers} layers, d_model {a.d_model}, heads {a.heads}/{a.kv_heads} x "
              f"{a.head_dim}, vocab {a.vocab}; batch {a.batch} x {a.seq} tokens over {world} ranks "
              f"({a.layout}), SGD lr {a.lr}")
        print(f"{'step':>4}  {'loss burst (G=%d)' % world:>18}  {'loss plain (G=1)':>18}  {'rel diff':>9}  "
              f"{'s/step':>7}")
    for step in range(a.steps):
        t0 = time.perf_counter()
        tokens = batch_of(step, a)
        inputs = burst.shard(tokens[:, :-1], a.layout)  # (B, n)
        targets = burst.shard(tokens[:, 1:], a.layout)
        logits = model(inputs, positions, ring_attention)
        local_sum = F.cross_entropy(logits.reshape(-1, a.vocab), targets.reshape(-1), reduction="sum")
        opt.zero_grad(set_to_none=True)
        (local_sum / total_tokens).backward()
        loss = local_sum.detach().double()
        if distributed:
            dist.all_reduce(loss)
            for p in model.parameters():
                dist.all_reduce(p.grad)  # sum over ranks: the gradient of the whole batch's mean loss
        loss = float(loss) / total_tokens
        opt.step()
        seconds = time.perf_counter() - t0

        if reference is not None:
            logits = reference(tokens[:, :-1], torch.arange(a.seq), plain_attention)
            ref_loss = F.cross_entropy(logits.reshape(-1, a.vocab), tokens[:, 1:].reshape(-1))
            ref_opt.zero_grad(set_to_none=True)
            ref_loss.backward()
            ref_opt.step()
            d = rel_diff(loss, float(ref_loss))
            flag = "" if d <= a.tolerance else "  MISMATCH"
            if flag:
                failures.append(f"step {step}: loss {loss:.7f} vs {float(ref_loss):.7f} (rel {d:.2e})")
            print(f"{step:>4}  {loss:>18.7f}  {float(ref_loss):>18.7f}  {d:>9.2e}  {seconds:>7.3f}{flag}",
                  flush=True)

    if reference is not None:
        worst = ("", 0.0)
        for (name, p), r in zip(model.named_parameters(), reference.parameters()):
            d = float((p.detach() - r.detach()).abs().max() / r.detach().abs().max().clamp_min(1e-30))
            worst = max(worst, (name, d), key=lambda t: t[1])
            if d > a.tolerance:
                failures.append(f"parameter {name}: max |diff| / max |param| = {d:.2e}")
        print(f"parameters: worst max |diff| / max |param| = {worst[1]:.2e} ({worst[0]}), "
              f"tolerance {a.tolerance:g}")
    if distributed:
        # The replicas must be bitwise identical: the summed gradients are the same on every rank.
        for name, p in model.named_parameters():
            mine = p.detach().clone()
            dist.broadcast(p.detach(), src=0)
            if not torch.equal(mine, p.detach()):
                failures.append(f"rank {rank}: parameter {name} differs from rank 0's replica")
        status = torch.tensor([len(failures)], dtype=torch.int64)
        dist.all_reduce(status)
        burst.clear_cache()
        dist.destroy_process_group()
    else:
        status = torch.tensor([len(failures)])
    for f in failures:
        print(f"FAIL rank {rank}: {f}", file=sys.stderr)
    if rank == 0:
        print("result: " + ("PASS" if int(status) == 0 else "FAIL"))
    sys.exit(0 if int(status) == 0 else 1)


if __name__ == "__main__":
    main()
