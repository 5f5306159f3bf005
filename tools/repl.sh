#!/usr/bin/env bash
# Opens pss-repl (building it first if needed) with the given arguments;
# without any it connects to the node on 127.0.0.1:4242.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/build.sh" >&2
exec "$top/build/tools/repl/pss-repl" "$@"
