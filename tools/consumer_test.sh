#!/usr/bin/env bash
# The installed pss as a user meets it: installs a built tree into a scratch
# prefix, builds the outside projects tests/consumer (the library alone) and
# examples/ against it with CMake's find_package, builds tests/consumer and
# examples/autoscale again with pkg-config on a plain compiler line, and runs
# what it built, against the installed pss-node and pss-repl, checking each
# over 127.0.0.1. Any failure stops it with "consumer_test: FAILED" and
# exit 1.
#   tools/consumer_test.sh [BUILD_DIR]   (default: build/, already built)
# CXXFLAGS and LDFLAGS reach both builds (the sanitizer build passes its
# -fsanitize flags: its libpss.a needs them). CTest runs it as `consumer`.
set -Eeuo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cmake=${CMAKE:-cmake}
src="$top/tests/consumer"

work=$(mktemp -d "${TMPDIR:-/tmp}/pss-consumer.XXXXXX")
prefix="$work/prefix"
test_name=consumer_test
# shellcheck source=tools/server_checks.sh
. "$top/tools/server_checks.sh"

echo "== consumer: install $build into $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; fail "cmake --install"; }
if find "$prefix" \( -iname '*test*' -o -iname '*fuzz*' -o -iname '*catch*' \) | grep .; then
  fail "test-only or fuzz files were installed (above)"
fi
for program in pss-node pss-repl pss-bench; do
  [ -x "$prefix/bin/$program" ] || fail "no $program in $prefix/bin"
done

echo "== consumer: CMake, find_package(pss 0.2 CONFIG) with CMAKE_PREFIX_PATH"
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
"$cmake" -S "$src" -B "$work/cmake" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/configure.log" ||
  { cat "$work/configure.log" >&2; fail "configuring tests/consumer"; }
# The package found must be the one just installed, not one elsewhere.
found=$(sed -n 's/^pss_DIR:PATH=//p' "$work/cmake/CMakeCache.txt")
[[ "$found" == "$prefix"/* ]] || fail "find_package found pss in '$found', not in $prefix"
"$cmake" --build "$work/cmake" -j2 >"$work/build.log" ||
  { cat "$work/build.log" >&2; fail "building tests/consumer"; }
"$work/cmake/echo_check" || fail "echo_check (CMake build) exited $?"

echo "== consumer: pkg-config, g++ command line"
pc=$(find "$prefix" -name pss.pc)
[ -n "$pc" ] || fail "no pss.pc installed"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
[ "$(pkg-config --modversion pss)" = "$(sed -n 's/^Version: //p' "$pc")" ] ||
  fail "pkg-config does not see $pc"
# Word splitting of the flags is meant: they are command-line options.
# shellcheck disable=SC2046,SC2086
"${CXX:-g++}" -std=c++17 ${CXXFLAGS:-} "$src/echo_check.cpp" -o "$work/echo_check_pc" \
  $(pkg-config --cflags --libs pss) ${LDFLAGS:-} || fail "g++ with pkg-config's flags"
"$work/echo_check_pc" || fail "echo_check (pkg-config build) exited $?"

echo "== consumer: examples/ as an outside project"
"$cmake" -S "$top/examples" -B "$work/examples" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/configure.log" ||
  { cat "$work/configure.log" >&2; fail "configuring examples/"; }
"$cmake" --build "$work/examples" -j2 >"$work/build.log" ||
  { cat "$work/build.log" >&2; fail "building examples/"; }

echo "== consumer: pss-kv"
start_server "$work/examples/kv/pss-kv" --port 0
expect_answers $'SET colour blue\nGET colour' OK 'VALUE blue'
stop_server

echo "== consumer: pss-custom-node (pss::node, pss::handlers)"
start_server "$work/examples/custom_node/pss-custom-node" --control off --server upper,port=0
expect_answers shout SHOUT
stop_server
start_server "$work/examples/custom_node/pss-custom-node" --control off --server sum,port=0
expect_answers $'2\n40' 2 42
stop_server

echo "== consumer: pss-autoscale against the installed pss-node and pss-repl"
start_server "$prefix/bin/pss-node" --control 127.0.0.1:0 --server echo,name=e,max=1,port=0
control=$(sed -n 's/^control \(.*\)/\1/p' "$work/server.out")
[ -n "$control" ] || fail "pss-node printed no control line"

# Runs pss-autoscale $1 on the node in the background, output in scaler.out.
start_scaler() {
  "$1" --connect "$control" --server e --ceiling 2 --interval 20 >"$work/scaler.out" &
  scaler_pid=$!
  other_pids+=("$scaler_pid")
  wait_for 'grep -q "^watching e max=1 num=0$" "$work/scaler.out"' 30 ||
    fail "$1: no 'watching' line in 30 s: $(cat "$work/scaler.out")"
}
# Waits for the scaler to exit; fails unless its status is $1.
scaler_exits() {
  wait_for '! running "$scaler_pid"' 10 || fail "pss-autoscale still runs after 10 s"
  local status=0
  wait "$scaler_pid" || status=$?
  [ "$status" = "$1" ] || fail "pss-autoscale exit status $status, not $1"
}

echo "== consumer: pkg-config, examples/autoscale on a g++ command line"
# shellcheck disable=SC2046,SC2086
"${CXX:-g++}" -std=c++17 ${CXXFLAGS:-} "$top"/examples/autoscale/*.cpp -o "$work/autoscale_pc" \
  $(pkg-config --cflags --libs pss) ${LDFLAGS:-} || fail "g++ with pkg-config's flags (autoscale)"
start_scaler "$work/autoscale_pc"
kill -TERM "$scaler_pid"
scaler_exits 0

start_scaler "$work/examples/autoscale/pss-autoscale"
exec 4<>"/dev/tcp/127.0.0.1/$port"
wait_for 'grep -q "^raised e max=1->2 num=1$" "$work/scaler.out"' 10 ||
  fail "pss-autoscale did not raise Max: $(cat "$work/scaler.out")"
exec 4>&-
wait_for 'grep -q "^lowered e max=2->1 num=0$" "$work/scaler.out"' 10 ||
  fail "pss-autoscale did not lower Max: $(cat "$work/scaler.out")"
"$prefix/bin/pss-repl" --connect "$control" -e "stop e" >/dev/null ||
  fail "installed pss-repl could not stop the server"
wait_for 'grep -q "^gone e$" "$work/scaler.out"' 10 || fail "no 'gone e' line"
scaler_exits 0
stop_server

echo "== consumer: ok"
