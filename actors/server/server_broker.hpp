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
#include "host/accept_share.hpp"
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
  /// With session hosts, whose sessions start and end without telling the
  /// server at once: their live count (set once, by `std::atomic_store`).
  std::shared_ptr<const accept_share> share;

  /// Sessions running now.
  int32_t sessions() const {
    if (auto shared = std::atomic_load(&share))
      return shared->slots.num();
    return num.load(std::memory_order_relaxed);
  }
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
  /// False once the host ended (only at the node's end).
  bool alive = true;
  /// Asked to close its copy of the listening socket, not done yet.
  bool unlistening = false;
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

  /// Whether the server is on its way out (its hosts may still be closing
  /// their copies of the listening socket).
  bool ending() const {
    return gate.quitting() || unlisten_pending >= 0;
  }

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
  /// Running sessions: by actor id when forked here, by their host's
  /// ticket when hosted on another I/O thread (actor ids repeat across
  /// actor systems).
  std::unordered_map<uint64_t, child_record> children;
  /// Session hosts that accept for this server and run its sessions
  /// (empty: the server accepts and runs them on its own thread).
  std::vector<host_slot> hosts;
  /// With session hosts: what the server shares with them (the count
  /// against Max, the configuration of new sessions, their news).
  std::shared_ptr<accept_share> share;
  /// With session hosts: the listening socket (each host listens on a
  /// duplicate; the server has no doorman).
  int listen_fd = -1;
  /// Hosts yet to close their copy of the listening socket before the
  /// server may end (-1: not ending).
  int unlisten_pending = -1;
  /// Why the server ends, kept while hosts close their copies.
  caf::error end_reason;
  /// `children` requests that wait for the hosts' turns in progress (a
  /// session counted in `status` but not yet in the news).
  std::vector<caf::typed_response_promise<std::vector<child_info>>>
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
};

/// A managed server: a broker that owns the listening socket.
using server_broker = caf::io::stateful_broker<server_state>;

/// The original's cold_start/7: the server broker's start. Takes over the
/// listening socket and serves sessions until stopped.
caf::behavior cold_start(server_broker* self, cold_start_args args);

/// What the server's life (server_broker.cpp) and its operator requests
/// (server_operations.cpp) share.
namespace server {

/// Sessions running now (with session hosts: counted against Max, which
/// includes those being accepted).
int32_t session_count(const server_state& st);

/// Whether a free slot may serve a connection now.
bool may_serve(const server_state& st);

/// Checks the descriptor a new session took against the reserve the
/// server leaves the rest of the process, pausing accepts near the limit.
void note_descriptor(server_broker* self, int fd);

/// Counts a session's end: logs an unclean one, adds it to the totals,
/// frees its slot and accepts again if it may.
void end_child(server_broker* self, uint64_t key, const caf::error& reason);

/// The running sessions, by id.
std::vector<child_info> list_children(const server_state& st);

/// Whether no session runs any more (none counted, none recorded).
bool no_sessions(const server_state& st);

/// With session hosts: starts them listening on duplicates of the
/// listening socket.
void start_hosts(server_broker* self, int listen_fd,
                 const std::vector<caf::actor>& hosts);

/// With session hosts: moves the news they queued into the server's
/// records (sessions started, sessions ended).
void collect_news(server_broker* self);

/// With session hosts: opens or closes their accepting and sets Max, and
/// wakes the hosts that paused if a slot is free.
void update_host_accepting(server_broker* self, bool accepting);

/// Answers the `children` requests that waited for the hosts (all of
/// them with `all`: the server ends).
void answer_children_waiters(server_broker* self, bool all = false);

/// With session hosts: a `children` request, answered now or once every
/// host finished its turn in progress.
caf::result<std::vector<child_info>> hosted_children(server_broker* self);

/// With session hosts: stops them listening, then ends the server.
void end_with_hosts(server_broker* self, caf::error reason);

/// The messages of session hosts: news, failed accepts, closed copies.
caf::message_handler host_messages(server_broker* self);

/// Handles the end of a session host; false if `msg` is about another actor.
bool on_host_down(server_broker* self, const caf::down_msg& msg);

/// The listening socket (the doorman's, or the one kept for the hosts).
int listen_fd_of(const server_state& st);

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
