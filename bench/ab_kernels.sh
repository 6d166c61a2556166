#!/usr/bin/env bash
# Interleaved before/after runs of bench_kernels against two or more builds of libburst, with
# medians: the comparisons of bench/results/cpu-kernels.md on hosts whose speed drifts.
#
#   bench/ab_kernels.sh [--paired] [--bench PATH] ROUNDS FILTER LIBDIR...
#
# LIBDIR: a folder holding one build's libburst.so.0 (bench_kernels' RUNPATH lets LD_LIBRARY_PATH
# choose it), e.g. `mkdir -p /tmp/old && cp OLD_BUILD/libburst.so.0.1.0 /tmp/old/libburst.so.0`.
# FILTER: a --benchmark_filter regex. Each round runs every LIBDIR once, in order.
# --paired (exactly two LIBDIRs): each round runs the two at the same time, one per core
# (taskset -c 0 / -c 1), then again with the cores swapped, so both see the same drift; they then
# share L3 and memory bandwidth, so the times read slower than solo runs.
# --bench: the bench_kernels to run (default build/ci/bench/bench_kernels).
# Prints, per benchmark and LIBDIR, the median and the minimum of its times (ms) and their count.
set -euo pipefail
paired=0
bench=build/ci/bench/bench_kernels
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --paired) paired=1; shift ;;
    --bench) bench=$2; shift 2 ;;
    *) echo "ab_kernels.sh: unknown option $1 (expected --paired or --bench PATH)" >&2; exit 2 ;;
  esac
done
if [[ $# -lt 3 ]]; then
  echo "usage: bench/ab_kernels.sh [--paired] [--bench PATH] ROUNDS FILTER LIBDIR..." >&2
  exit 2
fi
rounds=$1 filter=$2
shift 2
libs=("$@")
[[ -x $bench ]] || { echo "ab_kernels.sh: $bench is not an executable bench_kernels" >&2; exit 2; }
for d in "${libs[@]}"; do
  [[ -f $d/libburst.so.0 ]] || { echo "ab_kernels.sh: $d has no libburst.so.0" >&2; exit 2; }
done
if [[ $paired == 1 && ${#libs[@]} != 2 ]]; then
  echo "ab_kernels.sh: --paired compares exactly two LIBDIRs, got ${#libs[@]}" >&2
  exit 2
fi
out=$(mktemp)
trap 'rm -f "$out" "$out".*' EXIT
run() {  # run CPU LIBDIR: one bench_kernels run, "LIBDIR NAME MS" per benchmark
  LD_LIBRARY_PATH=$2 ${1:+taskset -c $1} "$bench" --benchmark_filter="$filter" 2>/dev/null |
    awk -v d="$2" '/^bm_/ {name = $1; sub(/\/iterations:.*/, "", name); print d, name, $2}'
}
for ((i = 0; i < rounds; ++i)); do
  if [[ $paired == 1 ]]; then
    run 0 "${libs[0]}" >"$out.a" & run 1 "${libs[1]}" >"$out.b"; wait
    cat "$out.a" "$out.b" >>"$out"
    run 1 "${libs[0]}" >"$out.a" & run 0 "${libs[1]}" >"$out.b"; wait
    cat "$out.a" "$out.b" >>"$out"
  else
    for d in "${libs[@]}"; do run "" "$d" >>"$out"; done
  fi
done
python3 - "$out" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    lib, name, ms = line.split()
    times[(name, lib)].append(float(ms))
for (name, lib), t in sorted(times.items()):
    print(f"{name:72s} {lib:16s} median {statistics.median(t):9.1f} min {min(t):9.1f} n={len(t)}")
PY
