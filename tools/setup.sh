#!/usr/bin/env bash
# Installs the Debian packages pss builds and tests with, where missing,
# plus any named as arguments. Safe to run again: it asks apt only when
# something is not installed yet.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libcaf-dev          # CAF 0.17: the actor framework (core, io, openssl)
  catch2              # Catch2 2.13: the test framework
  libcli11-dev        # command-line parsing for pss-node and pss-repl
  libedit-dev         # line editing and history for pss-repl
  libssl-dev          # libssl: TLS sessions; libcrypto: the control handshake
  openssl             # the tests' certificates
  python3             # the tests' independent TLS and socket clients
  erlang-base erlang-ssl  # Erlang's ssl client, one more independent peer
  nlohmann-json3-dev  # JSON output of pss-repl and pss-bench
  netcat-openbsd      # the README's echo check
  dpkg-dev            # dpkg-shlibdeps: the Debian package's Depends (cpack)
  doxygen             # the API reference (`--target docs`, the test apidoc)
)

# Callers that need more (the fuzzers need clang) name it.
packages+=("$@")

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages and not root; run as root or install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
