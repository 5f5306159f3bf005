#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "pss/registry.hpp"

namespace pss {

/// Spawns the control gate of `registry`: the actor a control endpoint with
/// a secret publishes instead of the registry (see pss/control.hpp).
///
/// Only peers that passed the endpoint's door (the secret's handshake, see
/// control/front_door.hpp) reach it. It takes requests only as
/// `(auth_atom, request)`: it sends `request` to the registry and answers
/// with the reply, scrubbed of actor handles (reply_scrub.hpp); an empty
/// `request` answers `ok`. Everything else is answered with `unauthorized`,
/// logged with the sender's address and node, and does nothing: a request
/// outside the envelope, and from other nodes any CAF system message (an
/// exit message would end the gate, a forged response would pass for the
/// registry's). The gate ends when the registry does.
caf::actor spawn_control_gate(caf::actor_system& sys,
                              const registry_actor& registry);

} // namespace pss
