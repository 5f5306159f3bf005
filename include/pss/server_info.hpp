#pragma once

/// \file
/// What the registry and the servers answer: `status`, `child_info`,
/// `server_info`, `server_totals`, `drain_report`.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "pss/framing.hpp"

namespace pss {

/// `{Num, Max}`: the sessions a server runs now and its limit.
struct status {
  /// Active sessions.
  int32_t num = 0;
  /// Most sessions at once.
  int32_t max = 0;
};

/// One session of a server, as `server_children` lists it.
struct child_info {
  /// The session's actor: send it messages, monitor it, stop it.
  caf::actor session;
  /// The session's actor id, stable while it lives.
  uint64_t id = 0;
  /// The peer's address, `ip:port`.
  std::string peer;
  /// Milliseconds since the session started.
  uint64_t age_ms = 0;
  /// Bytes received from the peer.
  uint64_t bytes_in = 0;
  /// Bytes queued for the peer (framing included).
  uint64_t bytes_out = 0;
  /// Packets received from the peer.
  uint64_t packets_in = 0;
  /// Packets sent to the peer.
  uint64_t packets_out = 0;
};

/// A running server, as a start request or the server list reports it.
struct server_info {
  /// The server's actor (the original's Pid).
  caf::actor server;
  /// Its registered name.
  std::string name;
  /// The port it really listens on.
  uint16_t port = 0;
  /// Active sessions when the answer was made.
  int32_t num = 0;
  /// Most sessions at once.
  int32_t max = 0;
  /// Its framing.
  packet_type packet = packet_type::raw;
};

/// A server's totals since it started, as `info REF` shows them.
struct server_totals {
  /// Its registered name.
  std::string name;
  /// The port it listens on.
  uint16_t port = 0;
  /// Milliseconds since it started.
  uint64_t uptime_ms = 0;
  /// Most sessions at once (its current limit).
  int32_t max = 0;
  /// Sessions running now.
  int32_t active = 0;
  /// Most sessions that ever ran at once.
  int32_t peak = 0;
  /// Connections accepted but waiting for a free slot.
  int32_t waiting = 0;
  /// Sessions started.
  uint64_t accepted = 0;
  /// Sessions that ended cleanly (`normal`: the peer or the session closed).
  uint64_t ended_clean = 0;
  /// Sessions that ended with an error; `errors` says which.
  uint64_t ended_error = 0;
  /// Sessions the server closed itself (a drain's timeout).
  uint64_t closed_by_server = 0;
  /// Sessions ended with an error, by the error's name (`packet_too_large`,
  /// `timeout`, `send_buffer_full`, `session_failed`...).
  std::map<std::string, uint64_t> errors;
  /// Frames refused: oversized, or cut off by the peer closing.
  uint64_t refused_frames = 0;
  /// Bytes received from peers, framing included.
  uint64_t bytes_in = 0;
  /// Bytes queued for peers, framing included.
  uint64_t bytes_out = 0;
  /// Packets received from peers.
  uint64_t packets_in = 0;
  /// Packets sent to peers.
  uint64_t packets_out = 0;
  /// Accepting is suspended (`suspend`), clients wait in the backlog.
  bool suspended = false;
  /// The server is draining: it accepts nothing and stops once its last
  /// session ends.
  bool draining = false;
};

/// What a drain did: how many sessions ended on their own before its
/// timeout and how many were closed when it passed.
struct drain_report {
  /// Sessions that ended on their own while the server drained.
  uint64_t ended = 0;
  /// Sessions still running at the timeout, closed by the server.
  uint64_t closed = 0;
  /// Connections that waited for a slot, never served, closed.
  uint64_t unserved = 0;
};

/// How CAF serializes and prints a `status`.
/// @relates status
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status& x) {
  return f(caf::meta::type_name("pss::status"), x.num, x.max);
}

/// How CAF serializes and prints a `child_info`.
/// @relates child_info
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_info& x) {
  return f(caf::meta::type_name("pss::child_info"), x.session, x.id, x.peer,
           x.age_ms, x.bytes_in, x.bytes_out, x.packets_in, x.packets_out);
}

/// How CAF serializes and prints a `server_info`.
/// @relates server_info
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_info& x) {
  return f(caf::meta::type_name("pss::server_info"), x.server, x.name, x.port,
           x.num, x.max, x.packet);
}

/// How CAF serializes and prints a `server_totals`.
/// @relates server_totals
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_totals& x) {
  return f(caf::meta::type_name("pss::server_totals"), x.name, x.port,
           x.uptime_ms, x.max, x.active, x.peak, x.waiting, x.accepted,
           x.ended_clean, x.ended_error, x.closed_by_server, x.errors,
           x.refused_frames, x.bytes_in, x.bytes_out, x.packets_in,
           x.packets_out, x.suspended, x.draining);
}

/// How CAF serializes and prints a `drain_report`.
/// @relates drain_report
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_report& x) {
  return f(caf::meta::type_name("pss::drain_report"), x.ended, x.closed,
           x.unserved);
}

/// Equality for tests and callers comparing answers.
inline bool operator==(const status& x, const status& y) {
  return x.num == y.num && x.max == y.max;
}

} // namespace pss
