#!/usr/bin/env bash
# README command 2 (and CI): install, build everything, run the whole test suite; then the lint
# (clang-format + clang-tidy, scripts/lint.sh) and the unit tests under the sanitizers (asan:
# AddressSanitizer + UBSan, tsan: ThreadSanitizer; CMakePresets.json builds only their unit-test
# executables). Every step runs, each under its own heading; the script fails if any step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --browser   # Chromium: the report test renders the HTML in it
jobs=$(nproc)

failed=()
summary=()
step() {  # step "<heading>" command...: runs the command, records its time and result
  local heading=$1 start=$SECONDS rc=0
  shift
  printf '\n==== %s ====\n' "$heading"
  "$@" || rc=$?
  local took=$((SECONDS - start))
  summary+=("$(printf '%-58s %4dm%02ds  %s' "$heading" $((took / 60)) $((took % 60)) "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)")")")
  [[ $rc -eq 0 ]] || failed+=("$heading")
  return 0
}
ci() {
  cmake --preset ci && cmake --build --preset ci -j "$jobs" && ctest --preset ci -j "$jobs"
}
sanitized() {  # sanitized asan|tsan
  cmake --preset "$1" && cmake --build --preset "$1" -j "$jobs" && ctest --preset "$1" -j "$jobs"
}

step "ci: build everything, all tests (ctest --preset ci)" ci
step "lint: clang-format + clang-tidy (scripts/lint.sh build/ci)" scripts/lint.sh build/ci
# Leak checking (LSan) works here: detect_leaks=1 (ASAN_OPTIONS in the asan test preset).
step "asan: ASan + UBSan build, unit tests (ctest --preset asan)" sanitized asan
step "tsan: TSan build, unit tests (ctest --preset tsan)" sanitized tsan

printf '\n==== summary ====\n'
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  printf 'test.sh: FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "test.sh: all steps passed"
