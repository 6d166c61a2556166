#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang in build/fuzz and runs each for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [fuzz_npy|fuzz_profile ...]     (default: 60 s, both)
#
# Each run starts from the checked-in seeds (tests/fuzz/corpus/<name>/) plus generated large ones
# (a 30 KB descr, a 32 KB shape text, 1 MiB of header padding; JSON nested 10k and 100k deep, a
# 40 KB string), keeps what it finds in build/fuzz/corpus/<name>, and writes any crashing input
# to build/fuzz/artifacts/<name>/. The log is build/fuzz/<name>.log; the script fails when a run
# fails. Results and commands: bench/results/fuzz.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
seconds=${1:-60}
shift || true
fuzzers=("$@")
[ ${#fuzzers[@]} -gt 0 ] || fuzzers=(fuzz_npy fuzz_profile)

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DBURST_BUILD_FUZZERS=ON -DBURST_BUILD_BENCH=OFF -DBURST_ENABLE_CUDA=OFF \
  -DBURST_PYTHON=OFF >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target "${fuzzers[@]}" -j"${JOBS:-2}"

# Large seeds, generated (not checked in).
python3 - "$build/seeds" <<'PY'
import json, os, struct, sys
out = sys.argv[1]
os.makedirs(f"{out}/fuzz_npy", exist_ok=True)
os.makedirs(f"{out}/fuzz_profile", exist_ok=True)
def npy(header, payload=b"", major=2):
    h = header + " " * ((64 - (12 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY" + bytes([major, 0]) + struct.pack("<I", len(h)) + h.encode() + payload
seeds = {
    "descr_30k": npy("{'descr': '" + "f" * 30720 + "', 'fortran_order': False, 'shape': (6,), }", b"\0" * 24),
    "shape_text_32k": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2," + " " * 32768 + "3), }", b"\0" * 24),
    "shape_dims_30k": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + "1, " * 10240 + "), }"),
    "padding_1m": npy("{'descr': '<f2', 'fortran_order': False, 'shape': (3,)}" + " " * ((1 << 20) - 128), b"\0" * 6),
}
for name, data in seeds.items():
    open(f"{out}/fuzz_npy/{name}.npy", "wb").write(data)
open(f"{out}/fuzz_profile/nested_10k.json", "w").write("[" * 10000 + "]" * 10000)
open(f"{out}/fuzz_profile/nested_objects_100k.json", "w").write('{"a":' * 100000 + "1" + "}" * 100000)
open(f"{out}/fuzz_profile/long_string_40k.json", "w").write(json.dumps({"schema": "burst-profile/1.1", "x": "\u00e9" * 20000}))
PY

status=0
for f in "${fuzzers[@]}"; do
  corpus=$build/corpus/$f
  mkdir -p "$corpus" "$build/artifacts/$f"
  cp -n "$root"/tests/fuzz/corpus/"${f#fuzz_}"/* "$build"/seeds/"$f"/* "$corpus"/ 2>/dev/null || true
  echo "== $f: $seconds s, corpus $(ls "$corpus" | wc -l) files"
  # -max_len above the largest generated seed's header (the 1 MiB one is read whole); -timeout:
  # an input taking over 10 s is a hang; -rss_limit_mb: the default 2 GiB.
  if ! "$build/tests/fuzz/$f" "$corpus" -max_total_time="$seconds" -max_len=1100000 -len_control=200 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$build/artifacts/$f/" 2>&1 | tee "$build/$f.log" | \
      grep -E "^#[0-9]+ *(DONE|INITED|REDUCE|NEW)|stat::|ERROR|SUMMARY|==[0-9]+==" | grep -Ev "NEW|REDUCE" ; then
    :
  fi
  if grep -qE "ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|SUMMARY: |deadly signal|Test unit written" "$build/$f.log"; then
    echo "== $f: FOUND A PROBLEM (see $build/$f.log and $build/artifacts/$f/)"
    status=1
  else
    echo "== $f: nothing found; corpus now $(ls "$corpus" | wc -l) files"
  fi
done
exit $status
