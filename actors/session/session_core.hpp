#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/behavior.hpp>
#include <caf/error.hpp>

#include "pss/reply_slot.hpp"
#include "pss/session.hpp"
#include "session/reply_order.hpp"
#include "session/session_config.hpp"

namespace pss {

/// The part of a session that runs its handlers, the same in every mode:
/// packets delivered in order and held while the session cannot take them
/// (paused, awaiting a response), ordered replies, and when a session whose
/// peer stopped sending ends. The `io` session (session_broker.hpp) and the
/// `pool`/`thread` worker (session_worker.hpp) add where packets come from
/// and where output goes.
class session_core : public session {
public:
  ~session_core() override;

  /// Takes the next packet from the peer: runs the handlers now, or holds
  /// it (in order) while the session cannot take it.
  void deliver(const char* data, size_t size);

  /// The peer sends nothing more: once every held packet is delivered,
  /// every await answered and every reserved reply filled, the session
  /// ends normally.
  void end_of_input();

  /// Handles the release message: delivers held packets while the session
  /// can take them.
  void on_release();

  /// Whether packets wait now instead of being delivered.
  bool holding() const;

  /// Whether the session still works on something: packets held, an
  /// awaited response or a reserved reply to come.
  bool work_pending() const;

  // -- pss::session -----------------------------------------------------------

  caf::error send(caf::string_view payload) override;
  void close() override;
  run_mode runs_on() const override;
  const caf::actor& server() const override;
  const std::string& server_name() const override;
  const std::string& peer() const override;
  packet_type framing() const override;
  void pause_reading() override;
  void resume_reading() override;
  bool reading_paused() const override;
  reply_slot reserve_reply() override;
  void on_packet(std::function<void(caf::string_view)> fn) override;

protected:
  /// Frames `payload` and queues it for the peer, now.
  virtual caf::error write_frame(caf::string_view payload) = 0;

  /// Queues already framed output (`packets` packets) for the peer, now.
  virtual void write_framed(const std::vector<char>& bytes, uint32_t packets)
      = 0;

  /// Ends the session normally, after its output.
  virtual void finish_session() = 0;

  /// Whether the session is on its way out.
  virtual bool ending() const = 0;

  /// Holding started or stopped, or input ended: reading may change.
  virtual void input_flow_changed() {
    // nop
  }

  /// A packet of `size` bytes left the session's hands (delivered, or
  /// dropped by `close`).
  virtual void consumed(size_t size) {
    static_cast<void>(size);
  }

  /// Runs the handlers of one packet; exceptions end the session.
  void dispatch(const char* data, size_t size);

  /// The handlers of packets and other messages (set by `become`).
  caf::behavior handlers_;
  /// What every session of the server shares.
  std::shared_ptr<const session_config> cfg_;
  /// The peer's address, `ip:port`.
  std::string peer_;

private:
  class sink;

  /// What only sessions that hold packets or order replies need.
  struct flow_state {
    /// Packets taken from the peer and not yet delivered, oldest first.
    std::deque<std::string> held;
    /// Reserved replies and the output queued behind them.
    reply_order order;
    /// What reply slots fill; slots hold it weakly.
    std::shared_ptr<sink> slots;
  };

  flow_state& flow();
  void hold(const char* data, size_t size);
  void post_release();
  void after_dispatch();
  void maybe_finish();
  void send_ready_replies();
  void drop_held();
  bool awaiting();
  caf::error frame(std::vector<char>& out, caf::string_view payload);

  std::function<void(caf::string_view)> packet_fn_;
  /// Held packets and ordered replies: made on first use only, so that an
  /// idle session that never holds or orders costs one pointer.
  std::unique_ptr<flow_state> flow_;
  bool paused_ = false;
  bool closing_ = false;
  bool input_ended_ = false;
  bool release_posted_ = false;
  bool finished_ = false;
  bool warned_unhandled_ = false;
};

} // namespace pss
