#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "pss/framing.hpp"
#include "pss/options.hpp"
#include "pss/registry.hpp"
#include "pss/server_info.hpp"
#include "pss/server_ref.hpp"
#include "pss/session.hpp"

/// \file
/// The original's API, function for function, for code that is not an
/// actor: each call sends one request to a registry (local or remote) and
/// blocks for its answer. Actors send the same requests themselves
/// (`self->request(reg, timeout, pss::status_atom::value, ref)`) and must
/// not call these: blocking a session blocks every broker of its node.

namespace pss {

/// A request timeout.
using timeout_ms = std::chrono::milliseconds;

/// The original's default timeout, `infinity`: wait as long as it takes.
constexpr timeout_ms infinity = timeout_ms::max();

/// start_server/3: a raw server on `port` (0: any free port) named
/// `picoSocketServer_<port>`, running `fun` for each of at most `max`
/// concurrent sessions. Error `already_started` where the original
/// returned `false`.
caf::expected<server_info> start_server(const registry_actor& reg,
                                        uint16_t port, int32_t max,
                                        session_function fun);

/// start_server/4: as start_server/3, registered as `name`.
caf::expected<server_info> start_server(const registry_actor& reg,
                                        std::string name, uint16_t port,
                                        int32_t max, session_function fun);

/// start_raw_server/5: as start_server/3 with framing `type` and a largest
/// accepted packet of `packet_size` bytes (0: the framing's maximum).
caf::expected<server_info>
start_raw_server(const registry_actor& reg, uint16_t port, int32_t max,
                 session_function fun, packet_type type, uint32_t packet_size);

/// start_raw_server/7: the full form; `spawn_opts` tune every session.
caf::expected<server_info>
start_raw_server(const registry_actor& reg, std::string name, uint16_t port,
                 int32_t max, session_options spawn_opts, session_function fun,
                 packet_type type, uint32_t packet_size);

/// Starts the server `spec` describes (bind address, parent...) running
/// `fun`; what every start function above comes down to.
caf::expected<server_info> start_raw_server(const registry_actor& reg,
                                            server_spec spec,
                                            session_function fun);

/// Starts the server `spec` describes, running the registry's handler
/// `spec.handler`: works across nodes.
caf::expected<server_info> start_handler_server(const registry_actor& reg,
                                                server_spec spec,
                                                timeout_ms timeout = infinity);

/// stop_server/1: stops the server and all its sessions (their sockets
/// close). Idempotent: stopping an unknown server succeeds. Fails only when
/// the registry itself does not answer.
caf::error stop_server(const registry_actor& reg, const server_ref& ref,
                       timeout_ms timeout = infinity);

/// server_port/1,2: the port the server listens on.
caf::expected<uint16_t> server_port(const registry_actor& reg,
                                    const server_ref& ref,
                                    timeout_ms timeout = infinity);

/// server_status/1,2: `{Num, Max}`; `retrylater` for an unknown server,
/// `timeout` when it does not answer in time.
caf::expected<status> server_status(const registry_actor& reg,
                                    const server_ref& ref,
                                    timeout_ms timeout = infinity);

/// server_children/1,2: the server's sessions.
caf::expected<std::vector<child_info>>
server_children(const registry_actor& reg, const server_ref& ref,
                timeout_ms timeout = infinity);

/// Every server of the registry (not in the original, which had the
/// process registry for that).
caf::expected<std::vector<server_info>>
list_servers(const registry_actor& reg, timeout_ms timeout = infinity);

} // namespace pss
