#!/usr/bin/env bash
# Runs pss-node, the main job: installs what is missing, builds, and starts
# it with the given arguments (none: the default echo server on port 9923 and
# the control endpoint on 127.0.0.1:4242).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/build.sh" >&2
exec "$top/build/app/pss-node" "$@"
