#!/usr/bin/env bash
# build.sh [DIR [CMAKE-OPTIONS...]] -- configure and build horizond out of
# source in DIR (default build/), tests included.
#   scripts/build.sh                           # build/horizond
#   scripts/build.sh build-asan -DHZ_SANITIZE=ON
# SPDX-License-Identifier: BSD-3-Clause
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
cmake -S . -B "$dir" -DHZ_TESTS=ON "$@"
cmake --build "$dir" -j"${HZ_JOBS:-$(nproc)}"
