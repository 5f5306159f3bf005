#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/io/broker.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/message.hpp>

#include "caf017/scheduler.hpp"
#include "caf017/servant_gate.hpp"
#include "framing/frame_decoder.hpp"
#include "pss/options.hpp"
#include "pss/session.hpp"
#include "session/session_config.hpp"
#include "session/session_core.hpp"
#include "session/worker_link.hpp"
#include "session/write_limit.hpp"
#include "tls/tls_channel.hpp"

namespace pss {

/// The state of a session's broker, the actor that owns its connection:
/// reading, framing, writing, the idle timeout and the lingering close, in
/// every mode. In mode `io` it also runs the session's handlers (it is the
/// `pss::session` they see); in `pool` and `thread` it passes packets to
/// the session's worker actor and writes what the worker sends back
/// (worker_link.hpp).
class session_state : public session_core {
public:
  using clock = std::chrono::steady_clock;

  /// The session's end, whatever ended it (CAF destroys the state when the
  /// broker terminates): stops the worker, hands a connection that still
  /// has output queued in CAF to a linger watch, and empties the mailbox
  /// (see broker_cleanup).
  ~session_state() override;

  /// Binds the state to its broker and connection (called by start_child).
  void init(caf::io::broker* self, caf::io::connection_handle hdl,
            std::shared_ptr<const session_config> cfg, std::string peer,
            std::shared_ptr<session_stats> stats);

  /// Hands the session to a worker actor (modes `pool` and `thread`).
  void attach_worker(caf::actor worker);

  /// Handles bytes from the peer that CAF dispatched as a message.
  void on_data(const caf::io::new_data_msg& msg);

  /// Handles bytes from the peer that the session's scribe hands over
  /// without a message (caf017/direct_scribe.hpp); false declines them.
  bool on_direct_data(const char* data, size_t size);

  /// Handles CAF's report that the connection failed: first the peer's
  /// FIN (the scribe stays ours for writing), later a connection gone.
  void on_closed();

  /// Handles the write progress reported while output is backed up.
  void on_transferred(size_t remaining);

  /// Handles the idle-timeout check.
  void on_idle_check();

  /// Handles the TLS handshake's deadline.
  void on_tls_deadline();

  /// Handles the check of a busy TLS session: one that is no longer busy
  /// gives its record buffers back (tls_channel::check_busy).
  void on_tls_busy_check();

  /// Handles an exit message (the server stopping).
  void on_exit_request(caf::error reason);

  /// Handles the settle message of the reading gate.
  void on_settled() {
    gate_.on_settled();
  }

  /// Handles output and returned credit from the worker.
  void on_worker_output(const std::string& bytes, uint32_t packets,
                        uint32_t credit, uint32_t credit_bytes);

  /// Handles the worker's end: the session's end.
  void on_worker_done(const caf::error& reason);

  /// The worker, if the session has one (modes `pool` and `thread`).
  const caf::actor* worker() const;

  // -- pss::session -----------------------------------------------------------

  void fail(caf::error reason) override;
  void become(caf::behavior handlers) override;
  caf::actor handle() const override;
  caf::scheduled_actor* self() override;
  caf::io::broker* io_self() override;
  caf::event_based_actor* worker_self() override;
  std::string tls_peer_subject() const override;
  std::string tls_alpn() const override;

  /// Wraps the session's handlers with pss's own (I/O, control messages).
  caf::behavior make_behavior(caf::behavior user_handlers);

protected:
  // -- session_core -----------------------------------------------------------

  caf::error write_frame(caf::string_view payload) override;
  void write_framed(const std::vector<char>& bytes, uint32_t packets) override;
  void finish_session() override;
  bool ending() const override;
  void input_flow_changed() override;

private:
  void on_bytes(const char* data, size_t size);
  void on_cipher(const char* data, size_t size);
  void on_end_of_input();
  void grow_reads(size_t size);
  void take_packet(const char* data, size_t size);
  void update_reading();
  void write_out();
  void check_backlog();
  void release_caf_output_buffer();
  static std::vector<char>& pending_output();
  static void release_pending_output();
  void count_output(size_t bytes, uint32_t packets);
  void schedule_idle_check(clock::duration after);

  /// A busy TLS session's next check, after `tls_busy_check_interval`.
  void schedule_tls_busy_check();

  /// How often a TLS session that keeps its record buffers checks that
  /// it is still busy (tls_channel::busy_activity reads and writes per
  /// interval): one timer message per interval; a session that went quiet
  /// holds no buffers after at most two.
  static constexpr auto tls_busy_check_interval = std::chrono::seconds(1);
  size_t write_limit() const;
  static uint32_t now_ms();
  void end(caf::error reason);
  void release_connection();

  /// The broker, and its connection (kept by the gate only: idle memory).
  caf::io::broker* broker() const {
    return gate_.broker();
  }
  caf::io::connection_handle connection() const {
    return gate_.handle();
  }

  /// Pauses reading while the peer does not take our output or the
  /// session holds its input; ends us. Also holds the broker and its
  /// connection.
  servant_gate<caf::io::connection_handle> gate_;
  std::shared_ptr<session_stats> stats_;
  frame_decoder decoder_{packet_type::raw, 1};
  /// The worker's end of the session (modes `pool` and `thread` only).
  std::unique_ptr<worker_link> link_;
  /// The session's TLS (servers with `tls-cert`): every byte read goes
  /// through it to the decoder, every byte written through it to the
  /// socket (tls/tls_channel.hpp).
  std::unique_ptr<tls_channel> tls_;
  /// When the peer's last bytes came: milliseconds of the steady clock,
  /// modulo 2^32 (idle times are differences, and idle timeouts are
  /// 32-bit milliseconds too); 4 bytes where a time point takes 8.
  uint32_t last_read_ms_ = 0;
  /// Bytes read at most per read call now (up to max_read_size).
  uint32_t read_size_ = 0;
  bool in_read_ = false;
  /// CAF holds output of ours that the socket did not take yet: later
  /// output must queue behind it.
  bool caf_writing_ = false;
  /// More output is queued than the high-water mark: reading waits.
  bool write_backed_up_ = false;
  /// The peer sends nothing more (its FIN, or TLS close_notify): writing
  /// goes on.
  bool peer_done_ = false;
  /// CAF reported the connection's first failure (the peer's FIN): the
  /// next one means it is gone.
  bool fin_seen_ = false;
  /// The connection went to a linger watch, or was reset.
  bool released_ = false;
};

/// A session actor: a broker that owns one connection.
class session_broker : public caf::io::stateful_broker<session_state>,
                       public caf017::timeout_tracked {
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
