#!/usr/bin/env bash
# README command 1: install, build, and run the main job on this machine: `burst-tune tune` on the
# small default workload (CPU backend when there is no GPU), writing burst.db and burst-profile.json
# in the current directory, then checking the profile.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
(cd "$repo" && scripts/install-deps.sh && cmake --preset release >/dev/null &&
  cmake --build --preset release --target burst-tune)
exe="$repo/build/release/cli/burst-tune"
"$exe" detect
"$exe" tune
"$exe" validate burst-profile.json
