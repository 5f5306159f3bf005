#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/io/broker.hpp>

#include "caf017/listen_watch.hpp"
#include "caf017/socket_handoff.hpp"
#include "host/accept_share.hpp"

namespace pss {

/// A server asks a session host to accept for it, server to host.
using listen_atom = caf::atom_constant<caf::atom("pss_listen")>;
/// A server asks a session host to stop accepting for it, server to host.
using unlisten_atom = caf::atom_constant<caf::atom("pss_unlstn")>;
/// The host stopped accepting and closed its copy of the listening socket,
/// host to server.
using unlistened_atom = caf::atom_constant<caf::atom("pss_unlstd")>;
/// A slot is free or the server accepts again: resume a paused acceptor,
/// server or host to host.
using accept_again_atom = caf::atom_constant<caf::atom("pss_accagn")>;
/// News of sessions queued in the server's `accept_share`, host to server.
using news_atom = caf::atom_constant<caf::atom("pss_news")>;
/// An accept failed for want of descriptors (the host paused), host to
/// server.
using accept_failed_atom = caf::atom_constant<caf::atom("pss_accfl")>;
/// Answered once the host's current turn is over, server to host: every
/// slot the host took before has its session's news queued by then.
using sync_atom = caf::atom_constant<caf::atom("pss_sync")>;

/// What a server sends a session host with `listen_atom`.
struct listen_request {
  /// The server (the host watches it, and sends it news and requests).
  caf::actor server;
  /// A duplicate of the server's listening socket, for this host alone.
  handed_socket_ptr socket;
  std::shared_ptr<accept_share> share;
  /// The server's index of this host (its bit in `session_slots`).
  int index = 0;
  /// Every host of the server, by index (to wake paused ones).
  std::vector<caf::actor> hosts;
};

/// One server a host accepts for.
struct host_listener {
  caf::actor server;
  std::shared_ptr<accept_share> share;
  std::unique_ptr<listen_watch> watch;
  int index = 0;
  /// Every host of the server, by index. Weak: a strong handle would keep
  /// a host of another actor system alive past that system's end.
  std::vector<caf::actor_addr> hosts;
  /// The last session number given (see `session_news::ticket`).
  uint64_t last_ticket = 0;
};

/// One session a host forked, and whom to tell of its end.
struct hosted_session {
  caf::actor session;
  /// The server's address: the key of its listener while it runs.
  caf::actor_addr server;
  uint64_t ticket = 0;
};

/// The state of a session host: the servers it accepts for and the sessions
/// it forked for them.
struct session_host_state {
  /// Ends every session still running, and stops listening, when the host
  /// ends.
  ~session_host_state();

  /// By the server's address.
  std::unordered_map<caf::actor_addr, host_listener> listeners;
  /// By the session's actor id (unique in the host's actor system).
  std::unordered_map<caf::actor_id, hosted_session> sessions;

  static const char* name;
};

/// A session host: one per session actor system of `pss::io_threads`.
using session_host = caf::io::stateful_broker<session_host_state>;

/// Accepts for the servers that ask it to (`listen_atom, listen_request`)
/// on its own I/O thread: takes a slot of the server's `session_slots`
/// before each accept, forks the session here, and queues the news of its
/// start and, after the session's cleanup, of its end for the server
/// (docs/io-threads.md: why the end is counted from here and not from a
/// monitor of the server's). Ends the sessions of a server that ends, and
/// all of its sessions when it ends itself. `index` only names the host
/// in logs.
caf::behavior run_session_host(session_host* self, int index);

} // namespace pss

// Sockets and shared state are local: they never cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::listen_request)
