#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <caf/io/accept_handle.hpp>
#include <caf/io/broker.hpp>

#include <caf/optional.hpp>
#include <caf/typed_response_promise.hpp>

#include "caf017/servant_gate.hpp"
#include "caf017/socket_handoff.hpp"
#include "host/handoff_cell.hpp"
#include "pss/options.hpp"
#include "pss/server_info.hpp"
#include "server/accept_watchdog.hpp"
#include "server/server_tally.hpp"
#include "session/session_broker.hpp"
#include "tls/tls_context.hpp"

namespace pss {

/// Counters of one server, written by the server and read by the registry
/// (for `servers` lists) without a message round trip.
struct server_counters {
  std::atomic<int32_t> num{0};
  std::atomic<int32_t> max{0};
};

/// Everything the original's cold_start/7 took, plus the listening socket
/// that the registry opened for it.
struct cold_start_args {
  /// Stops the server when it terminates (the original's link to Parent).
  caf::actor parent;
  /// Registered name.
  std::string name;
  /// The listening socket (owned by the server from now on).
  int listen_fd = -1;
  /// The port it listens on.
  uint16_t port = 0;
  /// Most sessions at once.
  int32_t max = 1;
  /// The session function.
  session_function fun;
  /// Framing and packet limit.
  packet_type packet = packet_type::raw;
  /// The original's PacketSize.
  uint32_t packet_size = 0;
  /// Session tuning.
  session_options options;
  /// Shared with the registry.
  std::shared_ptr<server_counters> counters;
  /// TLS of every session (loaded by the registry), or null.
  std::shared_ptr<const tls_context> tls;
  uint32_t tls_handshake_timeout_ms = 0;
  /// Session hosts of other I/O threads (`pss::io_threads`); empty: the
  /// server forks its sessions on its own thread.
  std::vector<caf::actor> hosts;
};

/// One running session, as its server tracks it.
struct child_record {
  caf::actor session;
  std::string peer;
  std::chrono::steady_clock::time_point started;
  std::shared_ptr<session_stats> stats;
  /// The session host that runs it, or -1: the server's own thread.
  int host = -1;
};

/// A session host of another I/O thread, as a server uses it.
struct host_slot {
  caf::actor host;
  /// This server's sessions there, running or on their way.
  int32_t load = 0;
  /// False once the host ended (only at the node's end): never picked.
  bool alive = true;
};

/// A socket handed to a session host whose session the server has not
/// looked at yet (it needs its handle only for `children` and a drain's
/// timeout: docs/io-threads.md).
struct handoff_record {
  /// Index of the host in `server_state::hosts`.
  int host = -1;
  std::chrono::steady_clock::time_point started;
  /// Shared with the host: the session's counters, handle and peer.
  std::shared_ptr<handoff_cell> cell;
};

/// A drain in progress: who waits for its report and what it counted.
struct drain_state {
  /// Callers waiting for the report (more than one may ask).
  std::vector<caf::typed_response_promise<drain_report>> waiters;
  drain_report report;
  /// The timeout passed: the sessions left were told to close.
  bool timed_out = false;
};

/// The state of a server broker: its doorman, its sessions and its limit.
struct server_state {
  /// Stops every session still running, whatever ended the server.
  ~server_state();

  std::shared_ptr<session_config> config;
  std::shared_ptr<server_counters> counters;
  caf::io::accept_handle doorman;
  /// Pauses the doorman at Max and resumes it below; ends the server.
  servant_gate<caf::io::accept_handle> gate;
  /// Pauses accepting while the process is out of descriptors.
  accept_watchdog watchdog;
  uint16_t port = 0;
  int32_t max = 1;
  caf::actor parent;
  /// Running sessions: by actor id when forked here, by ticket when
  /// hosted on another I/O thread (actor ids repeat across actor systems).
  std::unordered_map<uint64_t, child_record> children;
  /// Session hosts (empty: sessions run on this thread, as with one I/O
  /// thread).
  std::vector<host_slot> hosts;
  /// Next host to try first among the least loaded.
  size_t next_host = 0;
  /// Sessions handed to a host and not moved to `children` yet, by ticket
  /// (most hosted sessions stay here for life). They count in Num.
  std::unordered_map<uint64_t, handoff_record> handed;
  /// The last ticket given.
  uint64_t last_ticket = 0;
  /// `children` requests that wait for the sockets in flight when they
  /// came (so that a session counted in `status` is also listed): the last
  /// ticket then, and the caller.
  std::vector<
      std::pair<uint64_t, caf::typed_response_promise<std::vector<child_info>>>>
      children_waiters;
  /// Totals since start, for `info`.
  server_tally tally;
  std::chrono::steady_clock::time_point started;
  /// The process's descriptor limit, read every watchdog check.
  int descriptor_limit = 0;
  /// The last accepted descriptor ate into the reserve (logged once).
  bool reserve_warned = false;
  /// Accepting is suspended by an operator (clients wait in the backlog).
  bool suspended = false;
  /// Set while the server drains.
  caf::optional<drain_state> drain;
  /// Connections accepted while every slot was taken (the doorman is halted
  /// at Max, so this only holds the odd straggler); served in order.
  std::deque<caf::io::connection_handle> waiting;
  /// The same for a server with session hosts: accepted sockets in no
  /// multiplexer yet (closed if dropped).
  std::deque<handed_socket_ptr> waiting_sockets;
};

/// A managed server: a broker that owns the listening socket.
using server_broker = caf::io::stateful_broker<server_state>;

/// The original's cold_start/7: the server broker's start. Takes over the
/// listening socket and serves sessions until stopped.
caf::behavior cold_start(server_broker* self, cold_start_args args);

/// What the server's life (server_broker.cpp) and its operator requests
/// (server_operations.cpp) share.
namespace server {

/// Sessions running now, or on their way to another I/O thread.
int32_t session_count(const server_state& st);

/// Whether a free slot may serve a connection now.
bool may_serve(const server_state& st);

/// Checks the descriptor a new session took against the reserve the
/// server leaves the rest of the process, pausing accepts near the limit.
void note_descriptor(server_broker* self, int fd);

/// Counts a session's end: logs an unclean one, adds it to the totals,
/// frees its slot and accepts again if it may.
void end_child(server_broker* self, uint64_t key, const caf::error& reason);

/// Hands an accepted socket to the least loaded session host, or holds
/// it while no slot is free (servers with session hosts).
void on_accepted_socket(server_broker* self, handed_socket_ptr sock);

/// Serves held sockets while slots are free (servers with session hosts).
void serve_waiting_sockets(server_broker* self);

/// The running sessions, by id.
std::vector<child_info> list_children(const server_state& st);

/// Moves every handed session its host published to `children`, and asks
/// the hosts of the others to tell when they do (`handoff_cell`).
void collect_handed(server_broker* self);

/// Answers the `children` requests that waited for sessions now published
/// (all of them with `all`: the server ends).
void answer_children_waiters(server_broker* self, bool all = false);

/// The messages of session hosts: adopted sockets, ended sessions.
caf::message_handler handoff(server_broker* self);

/// Handles the end of a session host; false if `msg` is about another actor.
bool on_host_down(server_broker* self, const caf::down_msg& msg);

/// Tells the registry's counters (for `servers` lists) the new Num/Max.
void publish_counts(server_state& st);

/// Serves waiting connections while slots are free, then pauses or resumes
/// the doorman so that it accepts only while Num < Max, not suspended,
/// draining or out of descriptors.
void update_accepting(server_broker* self);

/// Ends the server with `reason`; a drain in progress reports first.
void quit(server_broker* self, caf::error reason);

/// The operator requests a server answers: status, children, set_max,
/// suspend, resume, drain, reload_tls, info.
caf::message_handler operations(server_broker* self);

/// Counts a session that ended while the server drains, and stops the
/// server when it was the last one.
void on_drained_session(server_broker* self);

} // namespace server

} // namespace pss

// The registry loads a reloaded TLS context and hands it to the server, in
// this process only.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::tls_context_ptr)
