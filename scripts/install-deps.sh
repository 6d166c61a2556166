#!/usr/bin/env bash
# Installs the Debian packages burst-tune builds and tests with. Idempotent and quiet: it prints
# nothing and asks nothing when everything is already there. Run as root (or with sudo available).
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --browser  also Chromium (report screenshots)
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config ccache
          libcli11-dev libfmt-dev nlohmann-json3-dev libsqlite3-dev sqlite3
          libgtest-dev libgmock-dev libbenchmark-dev libopenmpi-dev openmpi-bin libhwloc-dev
          zlib1g-dev
          python3-torch libtorch-dev pybind11-dev python3-pybind11 python3-pytest python3-numpy  # python/ (PyTorch binding)
          clang-format clang-tidy-19)  # scripts/lint.sh: clang-format 14 (.clang-format); clang-tidy >= 16
if [[ "${1:-}" == "--browser" ]]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
