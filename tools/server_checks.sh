# Shell helpers of the tests that run installed or packaged programs
# (tools/consumer_test.sh, tools/deb_test.sh). Sourced, not run: the
# caller sets `test_name` (for messages) and `work` (a scratch directory,
# removed at exit, with any server still running killed).
# The server started by start_server, and any other background program the
# caller started: all are killed at exit.
server_pid=
other_pids=()
cleanup() {
  local pid
  for pid in "$server_pid" "${other_pids[@]}"; do
    if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "$test_name: FAILED: $*" >&2
  exit 1
}
trap 'fail "line $LINENO: $BASH_COMMAND"' ERR

# Whether process $1 still runs (an exited child stays a zombie until it is
# waited for, and kill -0 still reaches a zombie).
running() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "${state:0:1}" != Z ]
}

# Polls `$1` (a command) every 0.1 s until it succeeds or `$2` seconds pass.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# Runs a server program in the background and sets `port` from its
# `started NAME port=P ...` line; its stdout stays in $work/server.out.
start_server() {
  "$@" >"$work/server.out" &
  server_pid=$!
  started() { grep -q '^started .* port=[0-9]' "$work/server.out" || ! running "$server_pid"; }
  wait_for started 30 || fail "$1 printed no 'started' line in 30 s"
  port=$(sed -n 's/^started .* port=\([0-9]*\).*/\1/p' "$work/server.out")
  [ -n "$port" ] || fail "$1 ended before it started: $(cat "$work/server.out")"
}

# Sends line $1 to 127.0.0.1:$port and expects lines $2... in answer.
expect_answers() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf '%s\n' "$1" >&3
  shift
  local expected reply
  for expected in "$@"; do
    IFS= read -r -t 10 reply <&3 || fail "no answer '$expected' in 10 s"
    [ "$reply" = "$expected" ] || fail "got '$reply', not '$expected'"
  done
  exec 3>&-
}

# SIGTERM must stop the server with exit status 0.
stop_server() {
  kill -TERM "$server_pid"
  wait_for '! running "$server_pid"' 10 || fail "no exit in 10 s after SIGTERM"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=
  [ "$status" = 0 ] || fail "exit status $status after SIGTERM"
}
