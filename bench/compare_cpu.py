#!/usr/bin/python3
"""burst's CPU attention kernels against PyTorch's CPU attention and a numpy/OpenBLAS one, same run.

Run with a Python that has torch and numpy (Debian's /usr/bin/python3 here; issue 18):

    /usr/bin/python3 bench/compare_cpu.py --bench build/hk/bench/bench_kernels [--rounds 3]
        [--n 2048,4096,8192] [--d 64,128] [--threads 1,2] [--causal 0,1] [--out table.md]
        [--blas-dir DIR]

--blas-dir DIR puts DIR first on the workers' LD_LIBRARY_PATH, e.g. the openblas-pthread folder of
Debian's libopenblas0-pthread, so numpy and torch (both linked against libblas.so.3) use OpenBLAS
where the system's libblas.so.3 alternative is the netlib reference BLAS (7 GFLOP/s). Each worker
reports the libblas.so.3 it loaded and one 2048^3 sgemm's GFLOP/s, printed under the table.

Problem: B = 1, H = 8, nq = nk = n, fp32, one rank. Per configuration (n, d, causal, threads) and
round, the three implementations run one after another, the order rotating from round to round
(interleaved), each timing its forward and its backward separately:
  burst  bench_kernels' bm_forward / bm_backward for that shape (64 x 64 tiles; wall time per call,
         forward mean of 2 calls, backward 1 call, each after one untimed call of the same shape), a
         fresh process per configuration;
  torch  torch.nn.functional._scaled_dot_product_attention (PyTorch 1.13's name; the math path,
         which stores the n x n weights), forward call, then out.backward(dout) timed alone;
  numpy  S = s Q K^T, softmax, O = P V; backward from the stored P: dV = P^T dO, dP = dO V^T,
         dS = P (dP - rowsum(dO O)), dQ = s dS K, dK = s dS^T Q (np.matmul over heads = OpenBLAS
         sgemm).
torch and numpy run in worker processes, one per thread count, started with OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS set to that count (and torch.set_num_threads), kept alive
for the whole run; each worker warms up once (a 2048^3 sgemm and, for torch, one n = 256
attention forward and backward) before its first timed call.
Reported: medians over the rounds (ms), and ratios other / burst (> 1: burst is faster).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HEADS = 8


def worker(kind, threads):
    import numpy as np

    if kind == "torch":
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(threads)
        w = torch.randn(1, HEADS, 256, 64, requires_grad=True)
        F._scaled_dot_product_attention(w, w, w)[0].sum().backward()
    a = np.ones((2048, 2048), dtype=np.float32)
    np.matmul(a, a)
    t0 = time.perf_counter()
    np.matmul(a, a) if kind == "numpy" else torch.from_numpy(a) @ torch.from_numpy(a)
    gflops = 2 * 2048**3 / (time.perf_counter() - t0) / 1e9
    with open("/proc/self/maps") as maps:
        blas = sorted({l.split()[-1] for l in maps if "libblas.so" in l or "openblas" in l})
    print(json.dumps({"sgemm_gflops": gflops, "blas": blas}), flush=True)
    for line in sys.stdin:
        n, d, causal = json.loads(line)
        rng = np.random.default_rng(0)
        q, k, v, do = (rng.standard_normal((HEADS, n, d), dtype=np.float32) for _ in range(4))
        scale = 1.0 / np.sqrt(d)
        future = np.triu(np.ones((n, n), dtype=bool), 1) if causal and kind == "numpy" else None
        for _ in range(1):
            if kind == "torch":
                tq, tk, tv = (torch.from_numpy(x).unsqueeze(0).requires_grad_() for x in (q, k, v))
                tdo = torch.from_numpy(do).unsqueeze(0)
                t0 = time.perf_counter()
                out, _ = F._scaled_dot_product_attention(tq, tk, tv, is_causal=bool(causal))
                t1 = time.perf_counter()
                out.backward(tdo)
                t2 = time.perf_counter()
                del tq, tk, tv, tdo, out
            else:
                t0 = time.perf_counter()
                s = np.matmul(q, k.transpose(0, 2, 1))
                s *= scale
                if causal:
                    s[:, future] = -np.inf
                s -= s.max(axis=-1, keepdims=True)
                np.exp(s, out=s)
                s /= s.sum(axis=-1, keepdims=True)
                o = np.matmul(s, v)
                t1 = time.perf_counter()
                dv = np.matmul(s.transpose(0, 2, 1), do)
                dp = np.matmul(do, v.transpose(0, 2, 1))
                dp -= np.sum(do * o, axis=-1, keepdims=True)
                dp *= s
                dp *= scale
                dq = np.matmul(dp, k)
                dk = np.matmul(dp.transpose(0, 2, 1), q)
                t2 = time.perf_counter()
                del s, o, dv, dp, dq, dk
            times = [1e3 * (t1 - t0), 1e3 * (t2 - t1)]
        print(json.dumps(times), flush=True)


def burst_times(bench, n, d, causal, threads):
    shape = f"threads:{threads}/tile_q:64/tile_kv:64/n:{n}/head_dim:{d}/causal:{causal}/"
    out = subprocess.run([bench, f"--benchmark_filter=^bm_(forward|backward)/{shape}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    got = {b["name"].split("/")[0]: b["real_time"] for b in json.loads(out)["benchmarks"]}
    return [got["bm_forward"], got["bm_backward"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="path of bench_kernels")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", default="2048,4096,8192")
    ap.add_argument("--d", default="64,128")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--causal", default="0,1")
    ap.add_argument("--out", help="also write the markdown table here")
    ap.add_argument("--blas-dir", help="put this folder first on the workers' LD_LIBRARY_PATH")
    ap.add_argument("--worker", choices=["torch", "numpy"], help=argparse.SUPPRESS)
    ap.add_argument("--worker-threads", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(a.worker, a.worker_threads)
    ints = lambda s: [int(x) for x in s.split(",")]
    configs = [(n, d, c, t) for n in ints(a.n) for d in ints(a.d) for c in ints(a.causal) for t in ints(a.threads)]
    workers = {}
    for t in ints(a.threads):
        env = dict(os.environ, OMP_NUM_THREADS=str(t), OPENBLAS_NUM_THREADS=str(t), MKL_NUM_THREADS=str(t))
        if a.blas_dir:
            env["LD_LIBRARY_PATH"] = a.blas_dir + ":" + env.get("LD_LIBRARY_PATH", "")
        for kind in ("torch", "numpy"):
            workers[kind, t] = subprocess.Popen(
                [sys.executable, __file__, "--bench", a.bench, "--worker", kind, "--worker-threads", str(t)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    probes = {key: json.loads(w.stdout.readline()) for key, w in workers.items()}

    def run(kind, n, d, c, t):
        if kind == "burst":
            return burst_times(a.bench, n, d, c, t)
        w = workers[kind, t]
        w.stdin.write(json.dumps([n, d, c]) + "\n")
        w.stdin.flush()
        return json.loads(w.stdout.readline())

    kinds = ["burst", "torch", "numpy"]
    times = {}
    for r in range(a.rounds):
        for cfg in configs:
            for kind in kinds[r % 3:] + kinds[:r % 3]:
                times.setdefault((cfg, kind), []).append(run(kind, *cfg))
                print(f"round {r} {cfg} {kind} fwd/bwd ms {times[cfg, kind][-1]}", file=sys.stderr, flush=True)
    for w in workers.values():
        w.stdin.close()
        w.wait()

    med = lambda cfg, kind, i: statistics.median(x[i] for x in times[cfg, kind])
    lines = ["| n | d | causal | threads | burst fwd ms | torch fwd ms | numpy fwd ms | fwd torch/burst | "
             "fwd numpy/burst | burst bwd ms | torch bwd ms | numpy bwd ms | bwd torch/burst | bwd numpy/burst |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for cfg in configs:
        row = [str(x) for x in cfg[:2]] + ["yes" if cfg[2] else "no", str(cfg[3])]
        for i in (0, 1):
            b, t, nm = (med(cfg, k, i) for k in kinds)
            row += [f"{b:.0f}", f"{t:.0f}", f"{nm:.0f}", f"{t / b:.2f}", f"{nm / b:.2f}"]
        lines.append("| " + " | ".join(row) + " |")
    text = "\n".join(lines) + f"\n\nmedians of {a.rounds} interleaved rounds\n"
    for (kind, t), p in sorted(probes.items()):
        text += f"\n{kind} worker, {t} thread(s): sgemm 2048^3 {p['sgemm_gflops']:.1f} GFLOP/s, BLAS {', '.join(p['blas'])}"
    text += "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
