#!/usr/bin/env bash
# Runs the soak test longer than CI does: pss-node under churning clients
# and control queries for SECONDS (default 180), then the checks that every
# client was served once and that sessions, descriptors and memory are back
# where they were after the warm-up. Prints the figures it measured.
#   tools/soak.sh [--sanitize] [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

sanitize=""
if [ "${1:-}" = "--sanitize" ]; then
  sanitize=--sanitize
  shift
fi
"$top/tools/build.sh" $sanitize >&2
PSS_SOAK_SECONDS="${1:-180}" exec "$top/build${sanitize:+-sanitize}/tests/soak_test"
