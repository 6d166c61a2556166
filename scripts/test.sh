#!/usr/bin/env bash
# README command 2 (and CI): install, build everything, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --browser   # Chromium: the report test renders the HTML in it
jobs=$(nproc)
cmake --preset ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"
