#pragma once

/// \file
/// Reply slots: ordered replies that are computed asynchronously.

#include <cstdint>
#include <memory>

#include <caf/error.hpp>
#include <caf/string_view.hpp>

namespace pss {

namespace detail {

/// What a reply slot fills: the ordered replies of one session. Implemented
/// by each kind of session; it lives as long as the session, and slots hold
/// it weakly, so that a slot outliving its session does nothing.
class reply_sink {
public:
  virtual ~reply_sink() = default;

  /// Fills the reply reserved as `id` with one packet for the peer.
  virtual caf::error fill_reply(uint64_t id, caf::string_view payload) = 0;

  /// Gives the reply reserved as `id` up without sending anything.
  virtual void release_reply(uint64_t id) = 0;
};

} // namespace detail

/// The place of one reply in a session's output, reserved when a request
/// arrives (`session::reserve_reply`) and filled when its answer is ready,
/// typically in the response handler of a `request(...).then(...)`.
///
/// Replies leave in the order their places were reserved: everything the
/// session sends after reserving a slot (`session::send`, later slots)
/// waits until the slot is filled or given up. A slot whose last copy is
/// destroyed unfilled gives itself up, so a forgotten slot never blocks the
/// replies behind it for good. Fill a slot on the session's own actor (in
/// its handlers and response handlers), as with `session::send`.
class reply_slot {
public:
  /// An empty slot: `send` and `release` do nothing.
  reply_slot() = default;

  /// A slot reserved as `id` in `sink` (made by sessions, not by users).
  reply_slot(std::weak_ptr<detail::reply_sink> sink, uint64_t id);

  /// Fills the slot with one packet for the peer (the framing header is
  /// added). Fails with `packet_too_large` when the payload does not fit the
  /// framing; the slot is given up then. A second call does nothing.
  caf::error send(caf::string_view payload);

  /// Gives the slot up without a reply: the replies behind it may leave.
  void release();

  /// Whether the slot is reserved and not yet filled or given up.
  bool pending() const;

private:
  struct state;
  std::shared_ptr<state> state_;
};

} // namespace pss
