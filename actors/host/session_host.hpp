#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/io/broker.hpp>

#include "caf017/socket_handoff.hpp"
#include "host/handoff_cell.hpp"
#include "session/session_config.hpp"

namespace pss {

/// An accepted socket for a session host to adopt, server to host.
using adopt_atom = caf::atom_constant<caf::atom("pss_adopt")>;
/// A session host forked the session of a handed socket whose server asked
/// to be told (`handoff_cell`), host to server.
using adopted_atom = caf::atom_constant<caf::atom("pss_adoptd")>;
/// A hosted session ended, host to server, after its cleanup.
using session_ended_atom = caf::atom_constant<caf::atom("pss_sended")>;

/// What a server sends a session host with `adopt_atom`: an accepted
/// socket and what its session needs.
struct adopt_request {
  /// The server's number for this session (its slot until it ends).
  uint64_t ticket = 0;
  /// The connection; closed with the message if it is never adopted.
  handed_socket_ptr socket;
  /// The server's shared session configuration (its `server` is the
  /// server's actor, which the host watches).
  std::shared_ptr<const session_config> config;
  /// Shared with the server: the session's counters, handle and peer.
  std::shared_ptr<handoff_cell> cell;
};

/// One session a host forked, and whom to tell of its end.
struct hosted_session {
  caf::actor session;
  caf::actor server;
  uint64_t ticket = 0;
  /// The server ended: nobody to tell any more.
  bool server_gone = false;
};

/// The state of a session host: the sessions it forked and the servers it
/// watches for them.
struct session_host_state {
  /// Ends every session still running when the host ends.
  ~session_host_state();

  /// By the session's actor id (unique in the host's actor system).
  std::unordered_map<caf::actor_id, hosted_session> sessions;
  /// Servers monitored (one monitor each, for as long as the host lives).
  std::set<caf::actor_addr> servers;

  static const char* name;
};

/// A session host: one per session actor system of `pss::io_threads`.
using session_host = caf::io::stateful_broker<session_host_state>;

/// Adopts the sockets servers of other actor systems hand it (`adopt_atom,
/// adopt_request`): adds each to its own I/O thread, forks its session
/// there, publishes its handle in the request's cell (`adopted_atom,
/// ticket` to the server if the server asked for it), and tells the
/// server `session_ended_atom, ticket, reason` after the session's end,
/// from the session's own thread (see docs/io-threads.md: why the server
/// does not count down on a monitor of its own). Ends the sessions of a
/// server that ends, and all of its sessions when it ends itself.
/// `index` only names the host in logs.
caf::behavior run_session_host(session_host* self, int index);

} // namespace pss

// Sockets and session configurations are local: they never cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::adopt_request)
