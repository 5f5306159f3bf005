#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "pss/proc_socket_server.hpp"

namespace pss {

/// `host:port`, as messages name an endpoint.
std::string endpoint_text(const std::string& host, uint16_t port);

/// Connects to the control endpoint at `host:port` and goes through its
/// door (auth/challenge.hpp) with `secret`, all before `deadline`. Returns
/// the connected socket, blocking, at the point where the node's BASP
/// broker has it and has begun to speak: the caller hands it to its own
/// BASP broker (caf017/basp_handoff.hpp).
///
/// Errors: `timeout` (no connection, handshake or answer in time),
/// `unauthorized` (the node asks for a secret and none was given, refused
/// the one given, or could not prove it knows it), `invalid_argument` (not
/// a pss control endpoint), the system's reason for a failed connect.
caf::expected<int> dial_control(const std::string& host, uint16_t port,
                                const std::string& secret,
                                std::chrono::steady_clock::time_point deadline);

/// The actor the control endpoint at `host:port` published (the registry,
/// or for an endpoint with a secret its gate), through the door with
/// `secret`, within `timeout`; its declared interface goes to `interface`
/// when given (empty for the gate). connect_control builds on it; tests use
/// it to reach the gate itself. Defined in control.cpp.
caf::expected<caf::actor>
connect_published(caf::actor_system& sys, const std::string& host,
                  uint16_t port, const std::string& secret, timeout_ms timeout,
                  std::set<std::string>* interface = nullptr);

} // namespace pss
