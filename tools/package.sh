#!/usr/bin/env bash
# Builds the Debian package as released: a Release build with the prefix
# /usr and no tests in build-deb/, then `cpack -G DEB` there.
#   tools/package.sh   -> build-deb/pss_<version>_<arch>.deb
# tools/deb_test.sh build-deb checks that package (docs/install.md).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/build-deb"

"$top/tools/setup.sh"
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$top" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX=/usr -DPSS_BUILD_TESTS=OFF
fi
cmake --build "$dir"
cd "$dir"
cpack -G DEB
