#pragma once

#include <caf/atom.hpp>

/// \file
/// The atoms of pss's messages, all in one place. CAF 0.17 atoms hold at most
/// ten characters; every one here is prefixed so that it cannot collide with
/// an application's atoms on the same actors.

namespace pss {

/// Start a server (registry).
using start_atom = caf::atom_constant<caf::atom("pss_start")>;
/// Stop a server (registry).
using stop_atom = caf::atom_constant<caf::atom("pss_stop")>;
/// Ask for the port a server listens on.
using port_atom = caf::atom_constant<caf::atom("pss_port")>;
/// Ask for `{Num, Max}`.
using status_atom = caf::atom_constant<caf::atom("pss_status")>;
/// Ask for the sessions of a server.
using children_atom = caf::atom_constant<caf::atom("pss_kids")>;
/// Ask for every server of a registry.
using list_atom = caf::atom_constant<caf::atom("pss_list")>;
/// Stop every server and then the registry itself.
using shutdown_atom = caf::atom_constant<caf::atom("pss_down")>;
/// Change a running server's limit.
using set_max_atom = caf::atom_constant<caf::atom("pss_setmax")>;
/// Stop accepting, keeping the listening socket (clients wait).
using suspend_atom = caf::atom_constant<caf::atom("pss_susp")>;
/// Accept again after a suspend.
using resume_atom = caf::atom_constant<caf::atom("pss_resume")>;
/// Stop gracefully: accept nothing, stop once the sessions ended.
using drain_atom = caf::atom_constant<caf::atom("pss_drain")>;
/// Load a server's TLS files again: new handshakes use them.
using reload_tls_atom = caf::atom_constant<caf::atom("pss_reltls")>;
/// Ask for a server's totals since start.
using info_atom = caf::atom_constant<caf::atom("pss_info")>;
/// A drain's timeout has passed (internal).
using drain_timeout_atom = caf::atom_constant<caf::atom("pss_drainT")>;
/// A session's idle-timeout check (internal).
using idle_atom = caf::atom_constant<caf::atom("pss_idle")>;
/// A session's TLS handshake deadline (internal).
using tls_deadline_atom = caf::atom_constant<caf::atom("pss_tlsdl")>;
/// A busy TLS session's check whether it still is (internal).
using tls_busy_check_atom = caf::atom_constant<caf::atom("pss_tlsbsy")>;
/// A server's periodic accept check (internal).
using watch_atom = caf::atom_constant<caf::atom("pss_watch")>;
/// A lingering connection's check (internal).
using linger_atom = caf::atom_constant<caf::atom("pss_linger")>;
/// A socket pause or resume has settled (internal).
using settle_atom = caf::atom_constant<caf::atom("pss_settle")>;
/// Deliver the packets a session holds (internal).
using release_atom = caf::atom_constant<caf::atom("pss_held")>;
/// A packet from the peer, from a session's broker to its worker (internal).
using input_atom = caf::atom_constant<caf::atom("pss_in")>;
/// The TLS handshake ended: the peer's subject and ALPN, broker to worker,
/// before the first packet (internal).
using tls_peer_atom = caf::atom_constant<caf::atom("pss_tlspr")>;
/// The peer sends nothing more, broker to worker (internal).
using eof_atom = caf::atom_constant<caf::atom("pss_eof")>;
/// A session's worker ended, with its reason, worker to broker (internal).
using worker_done_atom = caf::atom_constant<caf::atom("pss_wdone")>;
/// Output and returned credit, worker to broker (internal).
using output_atom = caf::atom_constant<caf::atom("pss_out")>;
/// Send a packet to the peer of a session, from any actor.
using send_atom = caf::atom_constant<caf::atom("pss_send")>;
/// Close a session after its pending output is written.
using close_atom = caf::atom_constant<caf::atom("pss_close")>;
/// Opens the envelope `(auth_atom, request)` that the gate of a control
/// endpoint with a secret takes (see pss/control.hpp).
using auth_atom = caf::atom_constant<caf::atom("pss_auth")>;
/// A control gate refused a message before it reached the mailbox
/// (internal: the gate reports it to itself to log it).
using refused_atom = caf::atom_constant<caf::atom("pss_refuse")>;
/// A metrics session stops waiting for the rest of its request (its
/// deadline passed, or its slot is needed).
using give_up_atom = caf::atom_constant<caf::atom("pss_giveup")>;

} // namespace pss
