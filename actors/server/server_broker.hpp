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
#include "pss/options.hpp"
#include "pss/server_info.hpp"
#include "server/accept_watchdog.hpp"
#include "server/server_tally.hpp"
#include "session/session_broker.hpp"

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
};

/// One running session, as its server tracks it.
struct child_record {
  caf::actor session;
  std::string peer;
  std::chrono::steady_clock::time_point started;
  std::shared_ptr<session_stats> stats;
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
  std::unordered_map<caf::actor_id, child_record> children;
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

/// Sessions running now.
int32_t session_count(const server_state& st);

/// Tells the registry's counters (for `servers` lists) the new Num/Max.
void publish_counts(server_state& st);

/// Serves waiting connections while slots are free, then pauses or resumes
/// the doorman so that it accepts only while Num < Max, not suspended,
/// draining or out of descriptors.
void update_accepting(server_broker* self);

/// Ends the server with `reason`; a drain in progress reports first.
void quit(server_broker* self, caf::error reason);

/// The operator requests a server answers: status, children, set_max,
/// suspend, resume, drain, info.
caf::message_handler operations(server_broker* self);

/// Counts a session that ended while the server drains, and stops the
/// server when it was the last one.
void on_drained_session(server_broker* self);

} // namespace server

} // namespace pss
