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
