#!/usr/bin/env bash
# Compiler resource report of every CUDA kernel variant (registers, spills, static shared memory,
# stack) for each architecture, from ptxas -v. Runs on a build machine: no GPU needed.
#
#   scripts/cuda-resource-report.sh [ARCHS...]        default: 80 90
#   NVCC=/path/to/nvcc scripts/cuda-resource-report.sh 90
#
# Prints a Markdown table (kernel, arch, registers, spill stores/loads in bytes, static smem, stack);
# dynamic shared memory is the registry's smem_bytes (kernels/cuda/tile_policy.hpp), not shown by ptxas.
# Exit status: non-zero when nvcc fails. A kernel that spills is listed, not an error: read the table.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
filt=$(command -v c++filt || command -v "$(dirname "$nvcc")/cu++filt" || echo cat)
archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(80 90)
sources=(kernels/cuda/fwd_mma_bf16.cu kernels/cuda/fwd_mma_f16.cu kernels/cuda/simt.cu)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The generated config header is not needed by the kernels; an empty include dir stands in for it.
mkdir -p "$work/generated/burst"
echo "| kernel | arch | registers | spill stores (B) | spill loads (B) | static smem (B) | stack (B) |"
echo "|---|---|---|---|---|---|---|"
for arch in "${archs[@]}"; do
  for src in "${sources[@]}"; do
    log="$work/$(basename "$src").$arch.log"
    "$nvcc" -std=c++20 -O3 -DNDEBUG -lineinfo -I"$root" -I"$root/include" -I"$work/generated" \
      "--generate-code=arch=compute_${arch},code=sm_${arch}" -Xptxas -v -c "$root/$src" -o "$work/out.o" 2>"$log" || {
      cat "$log" >&2
      exit 1
    }
    # ptxas prints, per kernel:  Compiling entry function '_Z...' for 'sm_90'
    #                            Function properties for _Z...:  N bytes stack frame, S bytes spill stores, L bytes spill loads
    #                            Used R registers, used 1 barriers, M bytes smem, ...
    awk -v arch="$arch" '
      /Compiling entry function/ { match($0, /'"'"'[^'"'"']+'"'"'/); name = substr($0, RSTART + 1, RLENGTH - 2); next }
      /Function properties for/ { fp = 1; next }
      fp && /stack frame/ {
        stack = $2; for (i = 1; i <= NF; ++i) { if ($(i) == "spill" && $(i+1) == "stores,") st = $(i-2); if ($(i) == "spill" && $(i+1) == "loads") ld = $(i-2) }
        fp = 0; next
      }
      /Used [0-9]+ registers/ && name != "" {
        regs = ""; smem = 0
        for (i = 1; i <= NF; ++i) { if ($(i) == "registers,") regs = $(i-1); if ($(i) == "smem," || $(i) == "smem") smem = $(i-2) }
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, arch, regs, st + 0, ld + 0, smem + 0, stack + 0
        name = ""; st = 0; ld = 0; stack = 0
      }' "$log" >"$work/rows.$arch.$(basename "$src")"
  done
done
cat "$work"/rows.* | while IFS=$'\t' read -r name arch regs st ld smem stack; do
  pretty=$(echo "$name" | "$filt" | sed -e 's/burst::kernels::cuda:://g' -e 's/(burst::kernels::cuda::Device[A-Za-z]*Params)//' -e 's/__nv_bfloat16/bf16/g' -e 's/__half/fp16/g')
  echo "| \`$pretty\` | sm_$arch | $regs | $st | $ld | $smem | $stack |"
done | sort
