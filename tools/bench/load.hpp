#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pss::bench {

/// One load run against 127.0.0.1:`port`.
struct load_config {
  /// The server's port (always on 127.0.0.1).
  uint16_t port = 0;
  /// Concurrent connections.
  int connections = 1;
  /// Payload bytes per message.
  size_t size = 64;
  /// How long the load runs.
  double seconds = 1.0;
  /// Length header per message: 0 (raw) or 4 (packet 4).
  size_t header = 0;
  /// crr: how the client closes each connection once its echo is in:
  /// `reset` (SO_LINGER 0: RST, no TIME_WAIT) or `fin` (an ordinary close;
  /// the client's side then waits in TIME_WAIT, so its connections come
  /// from rotating loopback source addresses 127.0.0.2-254 to keep local
  /// ports free; the target is still 127.0.0.1).
  enum class close_mode { reset, fin } close = close_mode::reset;
  /// crr: client threads, each with its own epoll set and its share of
  /// `connections`.
  int threads = 1;
};

/// What a load run measured. Every echoed byte is checked; a wrong byte, a
/// refused or reset connection or a short answer counts as an error.
struct load_result {
  /// Completed request-response pairs (rr) or connections (crr) or echoed
  /// bytes (stream).
  uint64_t count = 0;
  /// Per second, over the run.
  double rate = 0;
  /// Median and 99th percentile request latency, microseconds (rr).
  double p50_us = 0;
  double p99_us = 0;
  /// Errors seen.
  uint64_t errors = 0;
  /// CPU time the load's own threads used (user + system), seconds: the
  /// client's share of the work, to tell whether it was the bottleneck.
  double client_cpu_s = 0;
  /// Wall time of the run, seconds.
  double elapsed_s = 0;
};

/// `rr`: persistent connections, each sending one message and waiting for
/// its echo, again and again.
load_result run_rr(const load_config& cfg);

/// `crr`: connect, one request and its echo, close; `connections` at once.
load_result run_crr(const load_config& cfg);

/// `stream`: persistent connections sending as fast as the echo comes back
/// (at most 256 KiB in flight each); rate in bytes per second.
load_result run_stream(const load_config& cfg);

/// `idle`: opens `count` connections, each confirmed served once (one
/// message echoed), and keeps them open. Close them with `close_all`.
struct idle_set {
  std::vector<int> fds;
  uint64_t errors = 0;
};
idle_set open_idle(uint16_t port, int count, size_t header);

/// Closes every connection of `set`.
void close_all(idle_set& set);

} // namespace pss::bench

namespace pss::bench {

/// `stall`: a line-protocol key-value server (pss-kv) under CPU-heavy
/// requests. `slow_connections` connections each send `SLOW slow_ms` and
/// wait for `SLOW`, again and again, while one more connection does
/// request/response with a cheap command (`GET`, after one `SET`): how
/// long do the heavy ones make the cheap one wait?
struct stall_config {
  uint16_t port = 0;
  int slow_connections = 4;
  int slow_ms = 200;
  /// How long the load runs; a cheap request still out at the end is
  /// waited for (up to `grace_seconds`) so that the worst wait counts.
  double seconds = 2.0;
  double grace_seconds = 5.0;
};

struct stall_result {
  /// The cheap connection's round trips: count, median, 99th percentile,
  /// maximum (microseconds).
  uint64_t requests = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  /// Heavy requests answered.
  uint64_t slow_done = 0;
  /// Wrong or missing answers, failed connections.
  uint64_t errors = 0;
};

stall_result run_stall(const stall_config& cfg);

} // namespace pss::bench
