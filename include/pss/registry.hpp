#pragma once

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
using registry_actor = caf::typed_actor<
    /// Starts a server running the handler `spec.handler` of the registry's
    /// table; errors: `unknown_handler`, `already_started`, `address_in_use`...
    caf::replies_to<start_atom, server_spec>::with<server_info>,
    /// Starts a server running `fun` (local callers only: functions do not
    /// cross the network).
    caf::replies_to<start_atom, server_spec,
                    session_function>::with<server_info>,
    /// Stops a server and its sessions; `ok` also when there is no such
    /// server. Answers once the server is gone.
    caf::replies_to<stop_atom, server_ref>::with<caf::ok_atom>,
    /// The port a server listens on.
    caf::replies_to<port_atom, server_ref>::with<uint16_t>,
    /// `{Num, Max}` of a server, answered by the server itself.
    caf::replies_to<status_atom, server_ref>::with<status>,
    /// The sessions of a server, answered by the server itself.
    caf::replies_to<children_atom, server_ref>::with<std::vector<child_info>>,
    /// Changes a server's limit; answers its new `{Num, Max}`. Raising it
    /// serves waiting clients at once; lowering it cuts no session, the
    /// server accepts again once sessions dropped below it.
    caf::replies_to<set_max_atom, server_ref, int32_t>::with<status>,
    /// Stops accepting, keeping the listening socket: clients wait in the
    /// backlog. Running sessions go on.
    caf::replies_to<suspend_atom, server_ref>::with<caf::ok_atom>,
    /// Accepts again after a suspend.
    caf::replies_to<resume_atom, server_ref>::with<caf::ok_atom>,
    /// Stops gracefully: accepts nothing more, lets sessions finish and
    /// stops the server when the last one ends or after `timeout_ms`
    /// milliseconds (then closing the rest). Answers once the server is
    /// gone.
    caf::replies_to<drain_atom, server_ref, uint32_t>::with<drain_report>,
    /// A server's totals since start, answered by the server itself.
    caf::replies_to<info_atom, server_ref>::with<server_totals>,
    /// Every server of this registry, ordered by name.
    caf::replies_to<list_atom>::with<std::vector<server_info>>,
    /// Stops every server, then the registry.
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
