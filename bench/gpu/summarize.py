#!/usr/bin/env python3
"""Merges the CSVs of burst_gpu_bench and sdpa_bench.py into one Markdown table (TFLOP/s):

    python3 bench/gpu/summarize.py ours.csv sdpa.csv > table.md

One row per (head_dim, causal, seq, pass); columns: burst (best variant, its name), torch SDPA flash,
torch SDPA cuDNN, and burst / best SDPA. Missing measurements print as "-".
"""
import csv
import sys
from collections import defaultdict


def main(paths):
    best = {}  # (d, causal, seq, pass) -> (tflops, variant) for burst
    sdpa = defaultdict(dict)  # key -> {"flash": tflops, "cudnn": tflops}
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(line for line in f if not line.startswith("#")):
                try:
                    key = (int(row["head_dim"]), int(row["causal"]), int(row["seq"]), row["pass"])
                    tf = float(row["tflops"])
                except (KeyError, ValueError):
                    continue
                if row["impl"] == "burst":
                    if key not in best or tf > best[key][0]:
                        best[key] = (tf, row["variant"])
                else:
                    sdpa[key][row["variant"]] = tf
    keys = sorted(set(best) | set(sdpa), key=lambda k: (k[3] != "fwd", k[0], k[1], k[2]))
    print("| pass | d | causal | seq | burst TFLOP/s | burst variant | SDPA flash | SDPA cuDNN | burst / best SDPA |")
    print("|---|---|---|---|---|---|---|---|---|")
    fmt = lambda x: "-" if x is None else f"{x:.1f}"
    for k in keys:
        ours = best.get(k)
        flash, cudnn = sdpa[k].get("flash"), sdpa[k].get("cudnn")
        ref = max([x for x in (flash, cudnn) if x is not None], default=None)
        ratio = f"{ours[0] / ref:.2f}" if ours and ref else "-"
        print(f"| {k[3]} | {k[0]} | {k[1]} | {k[2]} | {fmt(ours[0] if ours else None)} | "
              f"{ours[1] if ours else '-'} | {fmt(flash)} | {fmt(cudnn)} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
