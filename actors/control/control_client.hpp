#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace pss {

/// Spawns the local stand-in for the remote control gate `gate`: it takes
/// any registry request, puts it into the envelope `(auth_atom, request)`
/// and delegates it to the gate, so that the gate's answer goes to
/// the original sender. Starts with a session function are refused here
/// (functions do not cross the network). It ends when the gate does (with
/// the gate's reason), so that monitoring it tells when the node is gone.
caf::actor spawn_control_client(caf::actor_system& sys, caf::actor gate);

} // namespace pss
