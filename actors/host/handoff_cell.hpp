#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor.hpp>

#include "session/session_config.hpp"

namespace pss {

/// One socket a server handed to a session host, shared by both threads:
/// the session's live counters, and the session's handle and peer, which
/// the host fills in when it forks the session.
///
/// Why not a message: the server needs a hosted session's handle only for
/// `children` and a drain's timeout, never per connection. A message
/// for every adoption would wake the server's thread once more per
/// connection (a pipe write, a loop turn, a context switch). So the host
/// publishes here, and sends `adopted_atom` only when the server asked
/// (`wanted`) before the session was forked.
class handoff_cell {
public:
  /// Host: publishes `session` and `peer`. True if the server asked to be
  /// told (then the host sends it `adopted_atom` with the ticket).
  bool publish(caf::actor session, std::string peer) {
    session_ = std::move(session);
    peer_ = std::move(peer);
    return state_.exchange(adopted, std::memory_order_acq_rel) == wanted;
  }

  /// Server: true if the session is published (`session()` and `peer()`
  /// may be read from now on); else the server wants to be told, and the
  /// host will send `adopted_atom` when it publishes.
  bool adopted_or_want() {
    uint8_t expected = in_flight;
    if (state_.compare_exchange_strong(expected, wanted,
                                       std::memory_order_acq_rel,
                                       std::memory_order_acquire))
      return false;
    return expected == adopted;
  }

  /// Server, after `adopted_or_want` returned true or `adopted_atom` came.
  const caf::actor& session() const {
    return session_;
  }

  /// Server, as `session()`.
  const std::string& peer() const {
    return peer_;
  }

  /// The session's counters (written by the session, read by anyone).
  const session_stats& stats() const {
    return stats_;
  }

  /// The session's counters, sharing the cell's life.
  static std::shared_ptr<session_stats>
  stats_of(const std::shared_ptr<handoff_cell>& cell) {
    return {cell, &cell->stats_};
  }

private:
  enum : uint8_t { in_flight, wanted, adopted };

  session_stats stats_;
  caf::actor session_;
  std::string peer_;
  std::atomic<uint8_t> state_{in_flight};
};

} // namespace pss
