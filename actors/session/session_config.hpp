#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "pss/framing.hpp"
#include "pss/options.hpp"
#include "pss/session.hpp"
#include "tls/tls_context.hpp"

namespace pss {

/// What every session of one server shares; made once by the server.
struct session_config {
  /// The server's registered name, for `session::server_name` and logs.
  std::string server_name;
  /// The server's actor.
  caf::actor server;
  /// The framing of every packet.
  packet_type packet = packet_type::raw;
  /// The largest packet accepted.
  size_t packet_limit = 0;
  /// Session tuning.
  session_options options;
  /// The user's session function.
  session_function fun;
  /// TLS of every session (null: plain TCP), with its handshake timeout.
  std::shared_ptr<const tls_context> tls;
  uint32_t tls_handshake_timeout_ms = 0;
};

/// Live counters of one session: written only by the session, read by its
/// server for `server_children` (relaxed atomics: a snapshot, not a fence).
struct session_stats {
  /// The counters at one moment, as plain numbers.
  struct snapshot {
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    uint64_t packets_in = 0;
    uint64_t packets_out = 0;
  };

  snapshot read() const {
    return {bytes_in.load(std::memory_order_relaxed),
            bytes_out.load(std::memory_order_relaxed),
            packets_in.load(std::memory_order_relaxed),
            packets_out.load(std::memory_order_relaxed)};
  }

  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> packets_in{0};
  std::atomic<uint64_t> packets_out{0};

  /// Adds `n` to a counter that only one thread writes (no locked add).
  static void bump(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n,
                  std::memory_order_relaxed);
  }
};

} // namespace pss
