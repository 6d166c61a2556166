#!/usr/bin/env python3
"""Times torch.nn.functional.scaled_dot_product_attention (flash and cuDNN backends) on the shapes
burst_gpu_bench uses, and prints the same CSV:
    impl,variant,pass,seq,batch,heads,head_dim,causal,dtype,ms,tflops

    python3 bench/gpu/sdpa_bench.py [--seqs 1024,...] [--tokens 16384] [--hidden 2048] [--dims 64,128]
                                    [--dtype bf16] [--warmup 5] [--iters 20]

Shapes: batch = tokens / seq, heads = hidden / head_dim; BSHD tensors viewed as (B, H, N, d) as SDPA
expects. Forward: one SDPA call. Backward: out.backward(grad) of a forward run outside the timed
region (the autograd graph is retained). Time: median of CUDA events around each call after warm-up.
FLOPs: forward 4 * B * N^2 * H * d (halved when causal), backward 2.5x forward.
A backend that refuses a shape prints nothing for it and a note on stderr.
"""
import argparse
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

BACKENDS = {"flash": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def median_ms(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(iters):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seqs", default="1024,2048,4096,8192,16384")
    ap.add_argument("--dims", default="64,128")
    ap.add_argument("--tokens", type=int, default=16384)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    args = ap.parse_args()
    dtype = DTYPES[args.dtype]
    print("impl,variant,pass,seq,batch,heads,head_dim,causal,dtype,ms,tflops", flush=True)
    for d in (int(x) for x in args.dims.split(",")):
        for causal in (False, True):
            for n in (int(x) for x in args.seqs.split(",")):
                b, h = args.tokens // n, args.hidden // d
                if b < 1 or h < 1:
                    continue
                fwd_flops = 4.0 * b * n * n * h * d * (0.5 if causal else 1.0)
                q, k, v = (torch.randn(b, n, h, d, device="cuda", dtype=dtype).transpose(1, 2).requires_grad_()
                           for _ in range(3))
                grad = torch.randn(b, h, n, d, device="cuda", dtype=dtype)
                for name, backend in BACKENDS.items():
                    try:
                        with sdpa_kernel([backend]):
                            fwd = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                            with torch.no_grad():
                                ms = median_ms(fwd, args.warmup, args.iters)
                            print(f"torch_sdpa,{name},fwd,{n},{b},{h},{d},{int(causal)},{args.dtype},{ms:.4f},"
                                  f"{fwd_flops / (ms * 1e-3) / 1e12:.2f}", flush=True)
                            out = fwd()
                            bwd = lambda: out.backward(grad, retain_graph=True)
                            ms = median_ms(bwd, args.warmup, args.iters)
                            print(f"torch_sdpa,{name},bwd,{n},{b},{h},{d},{int(causal)},{args.dtype},{ms:.4f},"
                                  f"{2.5 * fwd_flops / (ms * 1e-3) / 1e12:.2f}", flush=True)
                            q.grad = k.grad = v.grad = None
                            del out
                    except RuntimeError as e:  # the backend refuses this shape or is not built in
                        print(f"sdpa_bench: {name} seq={n} d={d} causal={causal}: {str(e).splitlines()[0]}",
                              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
