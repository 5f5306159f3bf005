#!/usr/bin/env bash
# Builds and runs pss-bench (default: the short preset, under a minute).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/build.sh" >&2
exec "$top/build/tools/bench/pss-bench" "$@"
