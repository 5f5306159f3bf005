#pragma once

#include <cstdint>
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

/// @relates status
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status& x) {
  return f(caf::meta::type_name("pss::status"), x.num, x.max);
}

/// @relates child_info
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_info& x) {
  return f(caf::meta::type_name("pss::child_info"), x.session, x.id, x.peer,
           x.age_ms, x.bytes_in, x.bytes_out, x.packets_in, x.packets_out);
}

/// @relates server_info
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_info& x) {
  return f(caf::meta::type_name("pss::server_info"), x.server, x.name, x.port,
           x.num, x.max, x.packet);
}

/// Equality for tests and callers comparing answers.
inline bool operator==(const status& x, const status& y) {
  return x.num == y.num && x.max == y.max;
}

} // namespace pss
