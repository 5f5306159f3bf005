#!/usr/bin/env bash
# The Debian package as a machine meets it: builds it with `cpack -G DEB`
# from a built tree, checks its name, fields, files and conffiles, runs its
# postinst's secret step and unpacks it (`dpkg -x`) into a scratch root,
# then runs the packaged pss-node there with the packaged config and checks
# an echo over 127.0.0.1, pss-repl through the secret, and a clean SIGTERM.
# Where systemd-analyze exists, the unit goes through its `verify` and
# `security` (no systemd runs here to start it). Nothing is installed on
# this machine. Any failure stops it with "deb_test: FAILED" and exit 1.
#   tools/deb_test.sh [BUILD_DIR]   (default: build/, already built)
# CTest runs it as `deb`. tools/package.sh builds the package as released.
set -Eeuo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
cpack=${CPACK:-cpack}

work=$(mktemp -d "${TMPDIR:-/tmp}/pss-deb.XXXXXX")
root="$work/root"
test_name=deb_test
# shellcheck source=tools/server_checks.sh
. "$top/tools/server_checks.sh"

echo "== deb: cpack -G DEB from $build"
(cd "$work" && "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/out") \
  >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log" >&2; fail "cpack"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
deb="$work/out/pss_${version}_${arch}.deb"
[ -f "$deb" ] || fail "no $(basename "$deb"); cpack made: $(cd "$work/out" && echo *.deb)"

echo "== deb: fields of $(basename "$deb")"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = pss ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Section)" ] || fail "no Section"
[ -n "$(field Description)" ] || fail "no Description"
# Computed (dpkg-shlibdeps) for the programs, and declared for the -dev part.
for dependency in libc6 libstdc++6 libcaf-core libcaf-io libssl3 libcaf-dev libssl-dev; do
  field Depends | grep -q "$dependency" ||
    fail "Depends lacks $dependency: $(field Depends)"
done

echo "== deb: files"
dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/files"
for path in /usr/bin/pss-node /usr/bin/pss-repl /usr/bin/pss-bench \
  '/usr/lib/.*libpss\.a' /usr/include/pss/all.hpp /usr/include/pss/node.hpp \
  /usr/include/pss/builtin_handlers.hpp '/usr/lib/.*cmake/pss/pssConfig\.cmake' \
  '/usr/lib/.*pkgconfig/pss\.pc' /lib/systemd/system/pss-node.service \
  /etc/pss/pss-node.conf /usr/share/doc/pss/copyright; do
  grep -qx "$path" "$work/files" || fail "no $path in the package"
done
if grep -iE 'test|fuzz|catch' "$work/files"; then
  fail "test-only or fuzz files in the package (above)"
fi
if grep -vxE '/|/usr/.*|/etc/(pss/.*)?|/lib/(systemd/(system/.*)?)?' "$work/files"; then
  fail "files outside /usr, /etc/pss and /lib/systemd/system (above)"
fi

echo "== deb: control files"
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/pss/pss-node.conf ] ||
  fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "no executable $script"
done

echo "== deb: dpkg -x into $root"
dpkg -x "$deb" "$root"
conf="$root/etc/pss/pss-node.conf"
# Every option of pss-node is shown in the packaged config, set or commented.
options=$("$root/usr/bin/pss-node" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
for option in $options; do
  case "$option" in --help | --config) continue ;; esac
  grep -qE "^(# )?${option#--} = " "$conf" || fail "$option is not in pss-node.conf"
done

# The postinst's secret, made in the scratch root instead of /etc. Its
# systemd steps look for a systemd in the scratch root too (there is none),
# so that it never reloads or restarts anything of this machine's.
sed "s|/etc/pss|$root/etc/pss|g; s|/run/systemd/system|$root/run/systemd/system|g" \
  "$work/control/postinst" >"$work/postinst"
sh "$work/postinst" configure
secret="$root/etc/pss/secret"
[ "$(stat -c %a "$secret")" = 600 ] || fail "secret mode $(stat -c %a "$secret"), not 600"
grep -qxE '[0-9a-f]{64}' "$secret" || fail "the secret is not 64 hex digits"
secret_before=$(cat "$secret")
sh "$work/postinst" configure 0.0.0
[ "$(cat "$secret")" = "$secret_before" ] || fail "an upgrade replaced the secret"

echo "== deb: the packaged pss-node with the packaged config"
# The service's command line with the scratch root's paths, and free
# ports instead of 4242 and 9923.
start_server "$root/usr/bin/pss-node" --config "$conf" --secret-file "$secret" \
  --control 127.0.0.1:0 --server echo,port=0
expect_answers 'hello, package' 'hello, package'
control=$(sed -n 's/^control \(.*\)/\1/p' "$work/server.out")
[ -n "$control" ] || fail "no 'control HOST:PORT' line"
"$root/usr/bin/pss-repl" --connect "$control" --secret-file "$secret" -e servers \
  >"$work/repl.out" || fail "pss-repl -e servers exited $?: $(cat "$work/repl.out")"
grep -q "^picoSocketServer_$port " "$work/repl.out" || fail "pss-repl lists no server on $port: $(cat "$work/repl.out")"
stop_server

echo "== deb: a missing config file is a usage error (exit 2)"
status=0
"$root/usr/bin/pss-node" --config "$root/etc/pss/none.conf" 2>"$work/err" || status=$?
[ "$status" = 2 ] || fail "exit status $status, not 2"
grep -q 'none.conf' "$work/err" || fail "the error names no file: $(cat "$work/err")"

unit=/lib/systemd/system/pss-node.service
if command -v systemd-analyze >/dev/null; then
  echo "== deb: systemd-analyze verify and security of the unit"
  # verify checks the unit against this machine's systemd: its syntax,
  # every directive known, ExecStart executable, its targets there. The
  # packaged paths (/usr/bin/pss-node, /etc/pss/) are pointed into the
  # scratch root for that, and nothing else changed. verify reports an
  # unknown key as a warning with exit status 0: any output fails.
  mkdir "$work/unit"
  sed "s|/usr/bin/pss-node|$root/usr/bin/pss-node|g; s|/etc/pss/|$root/etc/pss/|g" \
    "$root$unit" >"$work/unit/pss-node.service"
  systemd-analyze verify --man=no "$work/unit/pss-node.service" >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
  [ ! -s "$work/verify.log" ] || { cat "$work/verify.log" >&2; fail "systemd-analyze verify warned"; }
  # The sandbox as systemd rates the packaged unit: exposure 0 (safe) to
  # 10, at most 2 is its "OK"; --threshold counts tenths.
  systemd-analyze security --offline=yes --root="$root" --threshold=20 "$unit" \
    >"$work/security.log" 2>&1 || { cat "$work/security.log" >&2; fail "systemd-analyze security"; }
  grep 'Overall exposure' "$work/security.log"
else
  echo "== deb: no systemd-analyze here: the unit is not checked"
fi

echo "== deb: ok"
