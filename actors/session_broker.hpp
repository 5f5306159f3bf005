#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/io/broker.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/message.hpp>

#include "frame_decoder.hpp"
#include "pss/options.hpp"
#include "pss/session.hpp"
#include "servant_gate.hpp"

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

/// The state of a session actor, and the `pss::session` its handlers see.
class session_state : public session {
public:
  using clock = std::chrono::steady_clock;

  /// The session's end, whatever ended it (CAF destroys the state when the
  /// broker terminates): hands a connection that still has output queued in
  /// CAF to a linger watch, and empties the mailbox (see broker_cleanup).
  ~session_state() override;

  /// Binds the state to its broker and connection (called by start_child).
  void init(caf::io::broker* self, caf::io::connection_handle hdl,
            std::shared_ptr<const session_config> cfg, std::string peer,
            std::shared_ptr<session_stats> stats);

  /// Handles bytes from the peer: decode, dispatch, one flush per read.
  void on_data(const caf::io::new_data_msg& msg);

  /// Handles bytes from the peer that the session's scribe hands over
  /// without a message (direct_scribe.hpp); false declines them.
  bool on_direct_data(const char* data, size_t size);

  /// Handles the peer closing the connection.
  void on_closed();

  /// Handles the write progress reported while output is backed up.
  void on_transferred(const caf::io::data_transferred_msg& msg);

  /// Handles the idle-timeout check.
  void on_idle_check();

  /// Handles an exit message (the server stopping).
  void on_exit_request(caf::error reason);

  /// Handles the settle message of the reading gate.
  void on_settled() {
    gate_.on_settled();
  }

  // -- pss::session -----------------------------------------------------------

  caf::error send(caf::string_view payload) override;
  void close() override;
  void fail(caf::error reason) override;
  void become(caf::behavior handlers) override;
  void on_packet(std::function<void(caf::string_view)> fn) override;
  caf::actor handle() const override;
  caf::io::broker* self() override;
  const caf::actor& server() const override;
  const std::string& server_name() const override;
  const std::string& peer() const override;
  packet_type framing() const override;

  /// Wraps the session's handlers with pss's own (I/O, control messages).
  caf::behavior make_behavior(caf::behavior user_handlers);

private:
  void on_bytes(const char* data, size_t size);
  void dispatch(const char* data, size_t size);
  void write_out();
  void check_backlog();
  static std::vector<char>& pending_output();
  static void release_pending_output();
  void schedule_idle_check(clock::duration after);
  size_t write_limit() const;
  void end(caf::error reason);
  void release_connection();

  /// The broker, and its connection (kept by the gate only: idle memory).
  caf::io::broker* broker() const {
    return gate_.broker();
  }
  caf::io::connection_handle connection() const {
    return gate_.handle();
  }
  /// Whether the session has ended (the gate ends the broker).
  bool ending() const {
    return gate_.quitting();
  }

  /// Pauses reading while the peer does not take our output; ends us. Also
  /// holds the broker and its connection.
  servant_gate<caf::io::connection_handle> gate_;
  std::shared_ptr<const session_config> cfg_;
  std::shared_ptr<session_stats> stats_;
  frame_decoder decoder_{packet_type::raw, 1};
  std::string peer_;
  caf::behavior handlers_;
  std::function<void(caf::string_view)> packet_fn_;
  clock::time_point last_read_;
  /// Largest read a session grows to under load.
  static constexpr uint32_t max_read_size = 64 * 1024;
  /// Bytes read at most per read call now.
  uint32_t read_size_ = 0;
  bool in_read_ = false;
  /// CAF holds output of ours that the socket did not take yet: later
  /// output must queue behind it.
  bool caf_writing_ = false;
  /// The connection went to a linger watch, or was reset.
  bool released_ = false;
  bool warned_unhandled_ = false;
};

/// A session actor: a broker that owns one connection.
class session_broker : public caf::io::stateful_broker<session_state> {
public:
  using super = caf::io::stateful_broker<session_state>;
  using super::super;

  /// Shrinks CAF's table of the broker's connections to fit the one it
  /// holds: its first insert grows it to 13 buckets (104 bytes, 4% of an
  /// idle session), 2 suffice.
  void compact_connection_table() {
    get_map(caf::io::connection_handle{}).rehash(0);
  }
};

/// The original's start_child/3: runs one session on the connection `hdl`
/// its server forked off to it, with the server's shared `cfg`.
caf::behavior start_child(session_broker* self, caf::io::connection_handle hdl,
                          std::shared_ptr<const session_config> cfg,
                          std::string peer,
                          std::shared_ptr<session_stats> stats);

} // namespace pss
