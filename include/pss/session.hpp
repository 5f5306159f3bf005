#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/io/broker.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/string_view.hpp>

#include "pss/framing.hpp"

namespace pss {

/// One packet received from a session's peer, framing removed. Its bytes
/// are exactly the payload (for `line` framing: the line with its newline).
struct packet {
  /// The payload.
  std::string data;
};

/// A session's view of itself: what the session function and its handlers
/// use to talk to the peer and to the rest of the actor system. It lives as
/// long as the session; handlers may capture it by reference.
class session {
public:
  virtual ~session() = default;

  /// Queues one packet for the peer; the framing header is added. Fails with
  /// `packet_too_large` when the payload does not fit the framing.
  virtual caf::error send(caf::string_view payload) = 0;

  /// Ends the session normally once pending output is written.
  virtual void close() = 0;

  /// Ends the session with `reason`; the server reports it unless it is
  /// clean (`normal`).
  virtual void fail(caf::error reason) = 0;

  /// Replaces the handlers of packets and other messages (CAF's `become`).
  virtual void become(caf::behavior handlers) = 0;

  /// The fast path for packets: from now on every packet's payload goes
  /// straight to `fn` (no message is built and no handler matched), and the
  /// behavior receives only the other messages. The view is valid during
  /// the call only. An empty `fn` returns packets to the behavior.
  virtual void on_packet(std::function<void(caf::string_view)> fn) = 0;

  /// The session's own actor handle: give it to other actors.
  virtual caf::actor handle() const = 0;

  /// The session's actor, for `delayed_send`, `spawn`, `request`, `join`...
  virtual caf::io::broker* self() = 0;

  /// The managed server this session belongs to.
  virtual const caf::actor& server() const = 0;

  /// The registered name of that server.
  virtual const std::string& server_name() const = 0;

  /// The peer's address, `ip:port`.
  virtual const std::string& peer() const = 0;

  /// The framing of this session's packets.
  virtual packet_type framing() const = 0;

  /// Convenience: sends a received packet (e.g. back, for an echo).
  caf::error send(const packet& x) {
    return send(caf::string_view{x.data});
  }
};

/// The session function (the original's `Fun(Socket)`): called once per
/// accepted connection, on the session's own actor, it returns the handlers
/// of that session. Packets arrive as `pss::packet`; any other message an
/// actor sends the session reaches the same handlers. Throwing ends the
/// session with `session_failed`; the server goes on.
using session_function = std::function<caf::behavior(session&)>;

/// @relates packet
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, packet& x) {
  return f(caf::meta::type_name("pss::packet"), x.data);
}

} // namespace pss
