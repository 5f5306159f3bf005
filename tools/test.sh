#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, and runs CTest.
#   tools/test.sh              the suite, optimised build
#   tools/test.sh --sanitize   the suite under AddressSanitizer and UBSan
# Extra arguments after the mode go to ctest (e.g. --repeat until-fail:10).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

mode=()
dir="$top/build"
if [ "${1:-}" = "--sanitize" ]; then
  mode=(--sanitize)
  dir="$top/build-sanitize"
  shift
fi

"$top/tools/build.sh" "${mode[@]}"
cd "$dir"
ctest --output-on-failure --parallel 2 --timeout 300 "$@"
