#!/usr/bin/env bash
# Configures (once) and builds pss incrementally.
#   tools/build.sh [--sanitize]   -> build/ or build-sanitize/
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

dir="$top/build"
flags=(-DPSS_WERROR=ON)
if [ "${1:-}" = "--sanitize" ]; then
  dir="$top/build-sanitize"
  flags+=(-DPSS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi

"$top/tools/setup.sh"
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$top" -B "$dir" -G Ninja "${flags[@]}"
fi
cmake --build "$dir"
