#!/usr/bin/env bash
# README command 1: install, build, run the main job on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target burst-tune
./build/release/cli/burst-tune detect
