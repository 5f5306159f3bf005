#pragma once

/// \file
/// The registry actor (`pss::registry_actor`, `spawn_registry`) and its typed
/// messages.

#include <cstdint>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "pss/atoms.hpp"
#include "pss/handlers.hpp"
#include "pss/options.hpp"
#include "pss/server_info.hpp"
#include "pss/server_ref.hpp"
#include "pss/session.hpp"

namespace pss {

/// The registry: resolves names, ports and handles to servers and answers
/// every request about them. Unknown references answer `retrylater`.
/// Published on a control endpoint, other nodes send it the same messages.
/// Its messages, in the order of the signature:
///
/// - `(start_atom, server_spec)` -> `server_info`: starts a server running
///   the handler `spec.handler` of the registry's table; errors:
///   `unknown_handler`, `already_started`, `address_in_use`...
/// - `(start_atom, server_spec, session_function)` -> `server_info`: starts
///   a server running that session function (local callers only: functions
///   do not cross the network).
/// - `(stop_atom, server_ref)` -> `ok`: stops a server and its sessions;
///   `ok` also when there is no such server. Answers once the server is
///   gone.
/// - `(port_atom, server_ref)` -> `uint16_t`: the port a server listens on.
/// - `(status_atom, server_ref)` -> `status`: `{Num, Max}` of a server,
///   answered by the server itself.
/// - `(children_atom, server_ref)` -> `std::vector<child_info>`: the
///   sessions of a server, answered by the server itself.
/// - `(set_max_atom, server_ref, int32_t)` -> `status`: changes a server's
///   limit; answers its new `{Num, Max}`. Raising it serves waiting clients
///   at once; lowering it cuts no session, the server accepts again once
///   sessions dropped below it.
/// - `(suspend_atom, server_ref)` -> `ok`: stops accepting, keeping the
///   listening socket: clients wait in the backlog. Running sessions go on.
/// - `(resume_atom, server_ref)` -> `ok`: accepts again after a suspend.
/// - `(drain_atom, server_ref, uint32_t)` -> `drain_report`: stops
///   gracefully: accepts nothing more, lets sessions finish and stops the
///   server when the last one ends or after that many milliseconds (then
///   closing the rest). Answers once the server is gone.
/// - `(reload_tls_atom, server_ref)` -> `ok`: loads the server's TLS files
///   again (the paths it started with); new handshakes use them, running
///   sessions keep theirs. Errors: `tls_failed` when a file cannot be
///   loaded (the server keeps what it had), `invalid_argument` for a server
///   without TLS.
/// - `(info_atom, server_ref)` -> `server_totals`: a server's totals since
///   start, answered by the server itself.
/// - `(list_atom)` -> `std::vector<server_info>`: every server of this
///   registry, ordered by name.
/// - `(shutdown_atom)` -> `ok`: stops every server, then the registry.
using registry_actor = caf::typed_actor<
    caf::replies_to<start_atom, server_spec>::with<server_info>,
    caf::replies_to<start_atom, server_spec,
                    session_function>::with<server_info>,
    caf::replies_to<stop_atom, server_ref>::with<caf::ok_atom>,
    caf::replies_to<port_atom, server_ref>::with<uint16_t>,
    caf::replies_to<status_atom, server_ref>::with<status>,
    caf::replies_to<children_atom, server_ref>::with<std::vector<child_info>>,
    caf::replies_to<set_max_atom, server_ref, int32_t>::with<status>,
    caf::replies_to<suspend_atom, server_ref>::with<caf::ok_atom>,
    caf::replies_to<resume_atom, server_ref>::with<caf::ok_atom>,
    caf::replies_to<drain_atom, server_ref, uint32_t>::with<drain_report>,
    caf::replies_to<reload_tls_atom, server_ref>::with<caf::ok_atom>,
    caf::replies_to<info_atom, server_ref>::with<server_totals>,
    caf::replies_to<list_atom>::with<std::vector<server_info>>,
    caf::replies_to<shutdown_atom>::with<caf::ok_atom>>;

/// Spawns a registry that starts servers by name from `handlers`. Stop it
/// with `shutdown_registry` (or an exit message): its servers stop with it.
registry_actor spawn_registry(caf::actor_system& sys,
                              handler_table handlers = {});

/// Stops every server of `reg` and then `reg`, and waits for that.
void shutdown_registry(const registry_actor& reg);

} // namespace pss

// Session functions travel in local start requests only; CAF may carry them
// in messages but cannot serialize them, which is right: code does not cross
// the network, handler names do.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::session_function)
