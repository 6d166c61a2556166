#!/usr/bin/env python3
"""Context-parallel method x mask x pass on the CPU backend, in the spirit of LongCA-bench's comparison.

Runs `burst-tune run --json` for every (method, mask) pair at one world size, interleaved over
--rounds rounds so machine drift hits every cell alike, and writes a markdown table of the median
forward and backward times with the bytes each rank sent next to the formula libburst states for
them (burst::forward_bytes_per_rank / backward_bytes_per_rank), and the work imbalance.

    bench/cp_masks.py --exe build/ci/cli/burst-tune --world 4 --seq 4096 --out bench/results/cp-masks.md

Methods the binary does not know (an older build) are reported as such, not skipped silently.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

MASKS = [
    ("full", ["--no-causal"]),
    ("causal", ["--causal"]),
    ("causal_document", ["--mask", "causal_document", "--doc-lens", None]),  # lengths filled per --seq
    ("sliding_window", ["--mask", "sliding_window", "--window", None]),
]
METHODS = ["ring", "all_gather", "ulysses", "hybrid"]


def doc_lens(seq):
    parts = [5, 1, 3, 7]  # the small-docs preset's proportions
    lens = [seq * p // sum(parts) for p in parts[:-1]]
    lens.append(seq - sum(lens))
    return ",".join(str(x) for x in lens)


def mask_args(name, args, seq, window):
    out = []
    for a in args:
        if a is None:
            out.append(doc_lens(seq) if name == "causal_document" else f"{window},0")
        else:
            out.append(a)
    return out


def method_args(method, world):
    if method == "ring":
        return ["--cp-method", "ring"]
    if method == "ulysses":
        return ["--cp-method", "ulysses", "--ulysses-degree", str(world)]
    if method == "hybrid":
        return ["--cp-method", "hybrid", "--ulysses-degree", "2"]
    return ["--cp-method", method]


def run_once(exe, common, extra):
    cmd = [exe, "--json", "run"] + common + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]}
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exe", default="build/ci/cli/burst-tune")
    ap.add_argument("--world", type=int, default=4)
    ap.add_argument("--seq", type=int, default=4096)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    common = ["--world", str(a.world), "--seq", str(a.seq), "--heads", str(a.heads), "--kv-heads",
              str(a.kv_heads), "--head-dim", str(a.head_dim), "--pass", "fwd+bwd", "--iters", str(a.iters),
              "--warmup", "1", "--layout", "zigzag"]
    cells = {}
    for _ in range(a.rounds):
        for mask, margs in MASKS:
            for method in METHODS:
                extra = mask_args(mask, margs, a.seq, a.window) + method_args(method, a.world)
                r = run_once(a.exe, common, extra)
                cells.setdefault((method, mask), []).append(r)
    lines = []
    lines.append(f"world {a.world}, N = {a.seq}, H = {a.heads}, Hkv = {a.kv_heads}, d = {a.head_dim}, fp32, "
                 f"layout zigzag, threads of one process, {a.rounds} interleaved rounds of {a.iters} iterations; "
                 f"medians of the per-round medians. causal_document: 4 documents of 5:1:3:7 parts of N; "
                 f"sliding_window: causal window ({a.window}, 0).")
    lines.append("")
    lines.append("| method | mask | fwd ms | bwd ms | fwd bytes/rank (formula) | bwd bytes/rank (formula) | imbalance |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for mask, _ in MASKS:
        for method in METHODS:
            rs = cells[(method, mask)]
            errs = [r["error"] for r in rs if "error" in r]
            if errs:
                lines.append(f"| {method} | {mask} | refused: {errs[0]} | | | | |")
                continue
            fwd = statistics.median(r["forward"]["median_s"] for r in rs) * 1e3
            bwd = statistics.median(r["backward"]["median_s"] for r in rs) * 1e3
            f = rs[0]["forward"]
            b = rs[0]["backward"]
            fb = f"{f['bytes_sent_per_rank']} ({f['expected_bytes_per_rank']})"
            bb = f"{b['bytes_sent_per_rank']} ({b['expected_bytes_per_rank']})"
            imb = rs[0].get("imbalance")
            lines.append(f"| {method} | {mask} | {fwd:.1f} | {bwd:.1f} | {fb} | {bb} | "
                         f"{'' if imb is None else f'{imb:.2f}'} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        cmd = " ".join(["bench/cp_masks.py"] + sys.argv[1:])
        with open(a.out + ".tmp", "w") as fh:
            fh.write(f"Measured {time.strftime('%Y-%m-%d')} with `{cmd}`.\n\n" + text)
        import os
        os.replace(a.out + ".tmp", a.out)


if __name__ == "__main__":
    main()
