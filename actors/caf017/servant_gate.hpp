#pragma once

#include <caf/error.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/network/multiplexer.hpp>
#include <caf/send.hpp>

#include "pss/atoms.hpp"

namespace pss {

/// Pauses and resumes one socket of a broker (its doorman or its scribe)
/// and ends the broker, never undoing a change in the I/O-loop turn that
/// made it.
///
/// Why: CAF 0.17's multiplexer squashes an "add to the loop" and a "remove
/// from the loop" of the same socket within one turn into nothing, without
/// telling the socket. The socket then believes it is registered when it is
/// not: a resume after that is ignored (accepting or reading stops for
/// good), and a socket closed after that is never freed (its descriptor and
/// buffers leak). The gate applies at most one change per turn: later
/// requests, including the broker's own end, wait for a settle message that
/// the I/O loop delivers in a later turn.
template <class Handle>
class servant_gate {
public:
  /// Binds the gate to `hdl` of `self`. `just_registered`: the socket was
  /// added to the loop in this very turn (a doorman in its broker's start).
  void init(caf::io::broker* self, Handle hdl, bool just_registered) {
    self_ = self;
    hdl_ = hdl;
    if (just_registered)
      start_settling();
  }

  /// Asks for the socket to be active (accepting or reading) or paused.
  void set_active(bool active) {
    wanted_ = active;
    if (!settling_)
      apply();
  }

  /// Whether the socket is meant to be active.
  bool active() const {
    return wanted_;
  }

  /// Records that the socket took itself out of the I/O loop (see
  /// shortage_acceptor): it is paused now, and the next `set_active(true)`
  /// resumes it.
  void paused_by_socket() {
    applied_ = false;
  }

  /// Ends the broker with `reason`, now or once the last change settled.
  void quit(caf::error reason) {
    if (quitting_)
      return;
    quitting_ = true;
    if (settling_)
      reason_ = std::move(reason);
    else
      self_->quit(std::move(reason));
  }

  /// Whether the broker is on its way out.
  bool quitting() const {
    return quitting_;
  }

  /// The broker (set by `init`).
  caf::io::broker* broker() const {
    return self_;
  }

  /// The socket's handle (set by `init`).
  Handle handle() const {
    return hdl_;
  }

  /// Handles the settle message: applies what was asked meanwhile.
  void on_settled() {
    settling_ = false;
    if (quitting_) {
      self_->quit(std::move(reason_));
      return;
    }
    apply();
  }

private:
  void apply() {
    if (wanted_ == applied_)
      return;
    applied_ = wanted_;
    if (applied_)
      self_->trigger(hdl_);
    else
      self_->halt(hdl_);
    start_settling();
  }

  void start_settling() {
    settling_ = true;
    // A task posted from the I/O thread runs only after the loop applied
    // this turn's changes; the message it sends reaches us in a later turn.
    auto me = caf::actor_cast<caf::actor>(self_);
    self_->backend().post([me] { caf::anon_send(me, settle_atom::value); });
  }

  caf::io::broker* self_ = nullptr;
  Handle hdl_;
  bool wanted_ = true;
  bool applied_ = true;
  bool settling_ = false;
  bool quitting_ = false;
  caf::error reason_;
};

} // namespace pss
