#!/usr/bin/env bash
# Runs each libFuzzer target (clang, with ASan and UBSan) for SECONDS
# (default 60), starting from its seed corpus in tools/fuzz/corpus/. The
# seeds run first, so an input added there after a crash stays a regression
# test. A crash fails the run and names the input that caused it.
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
dir="$top/build-fuzz"

"$top/tools/setup.sh" clang libclang-rt-14-dev
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$top" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPSS_FUZZ=ON -DPSS_BUILD_TESTS=OFF
fi
cmake --build "$dir" --target frame_decoder_fuzz command_fuzz

status=0
for name in frame_decoder command; do
  # New inputs go to a scratch copy: the repository keeps only the seeds.
  work=$(mktemp -d)
  cp "$top/tools/fuzz/corpus/$name/"* "$work/"
  mkdir -p "$dir/artifacts/$name"
  echo "== fuzz: $name for ${seconds}s"
  if ! "$dir/tools/fuzz/${name}_fuzz" -max_total_time="$seconds" \
      -artifact_prefix="$dir/artifacts/$name/" -print_final_stats=1 "$work"; then
    echo "fuzz: $name crashed; the input is in $dir/artifacts/$name/" >&2
    echo "fuzz: add it to tools/fuzz/corpus/$name/ with the fix" >&2
    status=1
  fi
  rm -rf "$work"
done
exit $status
