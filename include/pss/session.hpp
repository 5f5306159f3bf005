#pragma once

/// \file
/// `pss::session`, `pss::packet` and the session function.

#include <chrono>
#include <functional>
#include <string>
#include <tuple>
#include <utility>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>
#include <caf/io/broker.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/string_view.hpp>

#include "pss/framing.hpp"
#include "pss/options.hpp"
#include "pss/reply_slot.hpp"

namespace pss {

/// One packet received from a session's peer, framing removed. Its bytes
/// are exactly the payload (for `line` framing: the line with its newline).
struct packet {
  /// The payload.
  std::string data;
};

class session;

/// A request from a session to another actor, sent by `then` or `await`
/// (see `session::request`).
template <class Dest, class... Ts>
class session_request {
public:
  /// Made by `session::request`; nothing is sent before `then` or `await`.
  session_request(session& owner, Dest dest, caf::duration timeout,
                  std::tuple<Ts...> args)
      : owner_(owner), dest_(std::move(dest)), timeout_(timeout),
        args_(std::move(args)) {
    // nop
  }

  /// CAF's `then`: the session goes on handling packets and messages; the
  /// handlers run when the answer (or an error) comes. Reserve a reply slot
  /// first when the answer is a reply to the peer.
  template <class... Fs>
  void then(Fs... fs);

  /// CAF's `await`: the session handles nothing else, and receives no
  /// packet, until the answer (or an error) comes. Input meanwhile is held,
  /// not lost.
  template <class... Fs>
  void await(Fs... fs);

private:
  session& owner_;
  Dest dest_;
  caf::duration timeout_;
  std::tuple<Ts...> args_;
};

/// A session's view of itself: what the session function and its handlers
/// use to talk to the peer and to the rest of the actor system. It lives as
/// long as the session; handlers may capture it by reference.
///
/// Input is never lost or reordered, whatever the handlers do: while the
/// session awaits a response (`await`), reading is paused by the session
/// itself, or the session's actor cannot keep up (modes `pool`, `thread`),
/// the peer's bytes stay in the kernel and in the session's own buffer, in
/// order, and are delivered afterwards.
class session {
public:
  virtual ~session() = default;

  /// Queues one packet for the peer; the framing header is added. Fails with
  /// `packet_too_large` when the payload does not fit the framing. Behind a
  /// reserved reply slot not yet filled, the packet waits for it.
  virtual caf::error send(caf::string_view payload) = 0;

  /// Ends the session normally: no packet is delivered after this call;
  /// the session ends once every reserved reply is filled (or given up) and
  /// its output is written.
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

  /// Stops delivering packets (Erlang's `{active, false}`): what the peer
  /// sends meanwhile waits, in order, in the session and then in the
  /// kernel, which in turn slows the peer down. Other messages still come.
  virtual void pause_reading() = 0;

  /// Delivers packets again, those held first (Erlang's `{active, true}`).
  virtual void resume_reading() = 0;

  /// Whether `pause_reading` holds packets back now.
  virtual bool reading_paused() const = 0;

  /// Reserves the place of one reply in the session's output; fill it later
  /// with `reply_slot::send`. Replies leave in reservation order, so a peer
  /// that pipelines requests gets its answers in order even when they are
  /// computed asynchronously and finish out of order.
  virtual reply_slot reserve_reply() = 0;

  /// Where this session's handlers run.
  virtual run_mode runs_on() const = 0;

  /// The session's own actor handle: give it to other actors. Messages that
  /// pss does not handle itself reach the session's handlers.
  virtual caf::actor handle() const = 0;

  /// The session's actor, for `spawn`, `monitor`, `home_system`,
  /// `attach_functor`... whatever the mode. For `send`, `request` and
  /// `delayed_send` use `send_to`, `request` and `with_self` below.
  virtual caf::scheduled_actor* self() = 0;

  /// The session's actor as a broker in mode `io`, else null.
  virtual caf::io::broker* io_self() = 0;

  /// The session's actor as an event-based actor in modes `pool` and
  /// `thread`, else null.
  virtual caf::event_based_actor* worker_self() = 0;

  /// Calls `f` with the session's actor by its full type: a
  /// `caf::io::broker*` in mode `io`, a `caf::event_based_actor*` in `pool`
  /// and `thread`. Write `f` as a generic lambda, `[&](auto* self) {...}`.
  template <class F>
  void with_self(F&& f) {
    if (auto broker = io_self())
      f(broker);
    else
      f(worker_self());
  }

  /// Sends `xs...` to `dest` from the session's actor.
  template <class Dest, class... Ts>
  void send_to(const Dest& dest, Ts&&... xs) {
    with_self([&](auto* self) { self->send(dest, std::forward<Ts>(xs)...); });
  }

  /// A request to `dest` from the session's actor, answered within
  /// `timeout` (else the error handler gets `caf::sec::request_timeout`):
  /// finish it with `.then(...)` or `.await(...)`, as in CAF.
  template <class Dest, class... Ts>
  session_request<Dest, std::decay_t<Ts>...>
  request(Dest dest, caf::duration timeout, Ts&&... xs) {
    return {*this, std::move(dest), timeout,
            std::make_tuple(std::forward<Ts>(xs)...)};
  }

  /// As above, with the timeout as a `std::chrono` duration.
  template <class Dest, class Rep, class Period, class... Ts>
  session_request<Dest, std::decay_t<Ts>...>
  request(Dest dest, std::chrono::duration<Rep, Period> timeout, Ts&&... xs) {
    return request(std::move(dest), caf::duration{timeout},
                   std::forward<Ts>(xs)...);
  }

  /// The managed server this session belongs to.
  virtual const caf::actor& server() const = 0;

  /// The registered name of that server.
  virtual const std::string& server_name() const = 0;

  /// The peer's address, `ip:port`.
  virtual const std::string& peer() const = 0;

  /// The framing of this session's packets.
  virtual packet_type framing() const = 0;

  /// TLS (a server with `tls-cert`): the subject of the client's verified
  /// certificate, RFC 2253 (`CN=alice,O=example`). Empty without TLS or
  /// without a client certificate, and before the handshake ended: the
  /// session function runs at accept, before it; every packet arrives
  /// after it.
  virtual std::string tls_peer_subject() const = 0;

  /// TLS: the application protocol agreed by ALPN (`tls-alpn`), empty if
  /// none; known from the first packet on, as `tls_peer_subject`.
  virtual std::string tls_alpn() const = 0;

  /// Convenience: sends a received packet (e.g. back, for an echo).
  caf::error send(const packet& x) {
    return send(caf::string_view{x.data});
  }
};

/// The session function (the original's `Fun(Socket)`): called once per
/// accepted connection, on the session's own actor (see `run_mode`), it
/// returns the handlers of that session. Packets arrive as `pss::packet`;
/// any other message an actor sends the session reaches the same handlers.
/// Throwing ends the session with `session_failed`; the server goes on.
using session_function = std::function<caf::behavior(session&)>;

template <class Dest, class... Ts>
template <class... Fs>
void session_request<Dest, Ts...>::then(Fs... fs) {
  owner_.with_self([&](auto* self) {
    std::apply(
        [&](auto&... xs) {
          self->request(dest_, timeout_, xs...).then(std::move(fs)...);
        },
        args_);
  });
}

template <class Dest, class... Ts>
template <class... Fs>
void session_request<Dest, Ts...>::await(Fs... fs) {
  owner_.with_self([&](auto* self) {
    std::apply(
        [&](auto&... xs) {
          self->request(dest_, timeout_, xs...).await(std::move(fs)...);
        },
        args_);
  });
}

/// How CAF serializes and prints a `packet`.
/// @relates packet
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, packet& x) {
  return f(caf::meta::type_name("pss::packet"), x.data);
}

} // namespace pss
