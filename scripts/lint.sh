#!/usr/bin/env bash
# Lint (CI runs it from scripts/test.sh after the ci build):
#   1. clang-format --dry-run -Werror on every tracked *.cpp *.hpp *.h *.c *.cu *.cuh (.clang-format);
#   2. clang-tidy with .clang-tidy (function size and cognitive complexity limits, a bugprone subset)
#      over the project's own translation units in a compile_commands.json (not .cu, not generated
#      sources under build/), in parallel; warnings in the project's headers count too.
# Each step prints the files or findings that fail it and the script exits 1 when either fails.
#
#   scripts/lint.sh BUILD_DIR|COMPILE_COMMANDS_JSON   both steps
#   scripts/lint.sh --format-only [FILE...]           clang-format only (all tracked files, or FILEs)
#   scripts/lint.sh --tidy-only BUILD_DIR [FILE...]   clang-tidy only (all translation units, or FILEs)
#
# Tools: $CLANG_FORMAT (default clang-format-14, else clang-format) and $CLANG_TIDY (default the
# newest clang-tidy-NN >= 16 installed: clang-tidy 14/15 cannot parse C++20 lambdas that capture
# structured bindings); scripts/install-deps.sh installs both. $LINT_JOBS: parallel clang-tidy
# processes (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

do_format=1 do_tidy=1
case "${1:-}" in
  --format-only) do_tidy=0; shift ;;
  --tidy-only) do_format=0; shift ;;
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
compile_commands=
if [[ $do_tidy -eq 1 ]]; then
  if [[ $# -lt 1 ]]; then
    echo "lint: usage: scripts/lint.sh [--format-only | --tidy-only] BUILD_DIR|compile_commands.json [FILE...]" >&2
    exit 2
  fi
  compile_commands=$1
  shift
  [[ -d "$compile_commands" ]] && compile_commands=$compile_commands/compile_commands.json
  if [[ ! -f "$compile_commands" ]]; then
    echo "lint: $compile_commands not found (configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON, as the presets do)" >&2
    exit 2
  fi
  compile_commands=$(cd "$(dirname "$compile_commands")" && pwd)/$(basename "$compile_commands")
fi
jobs=${LINT_JOBS:-$(nproc)}
status=0
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

find_tool() {  # first of the given commands that exists
  local t
  for t in "$@"; do
    if command -v "$t" >/dev/null 2>&1; then echo "$t"; return 0; fi
  done
  return 1
}

if [[ $do_format -eq 1 ]]; then
  clang_format=${CLANG_FORMAT:-$(find_tool clang-format-14 clang-format || true)}
  if [[ -z "$clang_format" ]]; then
    echo "lint: clang-format not found (scripts/install-deps.sh installs it)" >&2
    exit 2
  fi
  if [[ $do_tidy -eq 0 && $# -gt 0 ]]; then
    files=("$@")
  else
    mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.h' '*.c' '*.cu' '*.cuh')
  fi
  echo "lint: clang-format ($("$clang_format" --version | sed 's/.*version //; s/ .*//')) on ${#files[@]} files"
  printf '%s\0' "${files[@]}" | xargs -0 -r -n 16 -P "$jobs" "$clang_format" --dry-run -Werror \
    > "$out/format.log" 2>&1 || true
  mapfile -t unformatted < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' \
                               "$out/format.log" | sed "s|^$root/||" | sort -u)
  if [[ ${#unformatted[@]} -gt 0 ]]; then
    echo "lint: FAILED: ${#unformatted[@]} file(s) not clang-formatted (fix: $clang_format -i FILE...):"
    printf '  %s\n' "${unformatted[@]}"
    status=1
  elif grep -q . "$out/format.log"; then
    echo "lint: FAILED: clang-format could not check every file:"
    sed 's/^/  /' "$out/format.log" | head -40
    status=1
  else
    echo "lint: clang-format: all ${#files[@]} files formatted"
  fi
fi

if [[ $do_tidy -eq 1 ]]; then
  clang_tidy=${CLANG_TIDY:-$(find_tool clang-tidy-19 clang-tidy-18 clang-tidy-17 clang-tidy-16 clang-tidy || true)}
  major=$("$clang_tidy" --version 2>/dev/null | sed -n 's/.*LLVM version \([0-9]*\).*/\1/p' | head -1)
  if [[ -z "$clang_tidy" || -z "$major" || "$major" -lt 16 ]]; then
    echo "lint: clang-tidy >= 16 not found (found: ${clang_tidy:-none} ${major}); scripts/install-deps.sh installs clang-tidy-19" >&2
    exit 2
  fi
  if [[ $# -gt 0 ]]; then
    units=()
    for f in "$@"; do units+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
  else
    # CMake writes one "file" key per line; keep the project's own sources (not build/, not .cu).
    mapfile -t units < <(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$compile_commands" |
                         grep "^$root/" | grep -v "^$root/build/" | grep -v '\.cu$' | sort -u)
  fi
  build_dir=$(dirname "$compile_commands")
  echo "lint: clang-tidy ($major) on ${#units[@]} translation units, $jobs at a time (.clang-tidy)"
  # GCC-only warning flags in the compile lines mean nothing to clang: keep them quiet. -Wno-error:
  # the compiler's own warnings are the GCC -Werror build's business, and clang would turn
  # libstdc++-internal deprecations (get_temporary_buffer under std::stable_sort) into errors.
  tidy_rc=0
  printf '%s\n' "${units[@]}" | xargs -r -n 1 -P "$jobs" "$clang_tidy" -p "$build_dir" --quiet \
    --header-filter="^$root/" --exclude-header-filter="^$root/build/" \
    --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error > "$out/tidy.log" 2> "$out/tidy.err" || tidy_rc=$?
  mapfile -t findings < <(grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$out/tidy.log" |
                          sed "s|^$root/||" | sort -u)
  # Known findings (scripts/lint-baseline.txt, "FILE FUNCTION CHECK") are reported, not failed;
  # a new finding fails, and so does a baseline entry that no longer fires (the list only shrinks).
  baseline_file="$root/scripts/lint-baseline.txt"
  declare -A known=() seen=()
  if [[ $# -eq 0 && -f "$baseline_file" ]]; then
    while read -r f fn chk; do
      [[ -z "$f" || "$f" == \#* ]] && continue
      known["$f $fn $chk"]=1
    done < "$baseline_file"
  fi
  fresh=()
  for line in "${findings[@]}"; do
    key="${line%%:*} $(sed -n "s/.*function '\([^']*\)'.*/\1/p" <<<"$line") $(sed -n 's/.*\[\([^]]*\)\]$/\1/p' <<<"$line")"
    if [[ -n "${known[$key]:-}" ]]; then seen["$key"]=1; else fresh+=("$line"); fi
  done
  stale=()
  for key in "${!known[@]}"; do [[ -n "${seen[$key]:-}" ]] || stale+=("$key"); done
  if [[ ${#seen[@]} -gt 0 ]]; then
    echo "lint: ${#seen[@]} known finding(s) listed in scripts/lint-baseline.txt (debt, not failures)"
  fi
  if [[ ${#stale[@]} -gt 0 ]]; then
    echo "lint: FAILED: scripts/lint-baseline.txt lists findings that no longer fire (remove them):"
    printf '  %s\n' "${stale[@]}"
    status=1
  fi
  findings=("${fresh[@]}")
  if [[ ${#findings[@]} -gt 0 ]]; then
    echo "lint: FAILED: ${#findings[@]} clang-tidy finding(s):"
    printf '  %s\n' "${findings[@]}"
    echo "lint: details (notes, which threshold) in a rerun: $clang_tidy -p $build_dir FILE"
    status=1
  elif [[ $tidy_rc -ne 0 ]]; then
    echo "lint: FAILED: clang-tidy exited with $tidy_rc:"
    grep -v ' warnings\{0,1\} generated\.$' "$out/tidy.err" | sed 's/^/  /' | head -40
    status=1
  else
    echo "lint: clang-tidy: no findings in ${#units[@]} translation units"
  fi
fi
exit $status
