#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"

/// The control endpoint: a registry published with CAF's middleman so that
/// other nodes and pss-repl control it. Without a secret the registry itself
/// is published, and only on a loopback address. With a secret a control
/// gate is published instead: every request travels in the envelope
/// `(auth_atom, secret, request)`; the gate checks the secret, forwards the
/// request to the registry and relays the answer without actor handles (a
/// handle that leaves a node can be messaged by any peer of that node, so
/// remote callers name servers by name or port instead). A wrong or missing
/// secret is refused with `unauthorized`, logged, and does nothing.
///
/// The secret travels in clear text: CAF's protocol (BASP) is not encrypted.
/// Beyond one machine, reach the endpoint through an SSH tunnel or a private
/// network.
namespace pss {

/// Shortest secret accepted: a guessable secret on a network endpoint is
/// worse than none, since it looks like protection.
constexpr size_t min_secret_length = 16;

/// Longest secret accepted (and most bytes read from a secret file).
constexpr size_t max_secret_length = 4096;

/// The environment variable a secret may come from when no file is given.
constexpr const char* secret_environment_variable = "PSS_SECRET";

/// Reads a secret from `path` (a trailing newline is dropped). Refuses, with
/// `invalid_argument` naming the problem, a file that group or others may
/// access (as ssh does for keys: `chmod 600`), an empty one, and a secret
/// shorter than `min_secret_length` or longer than `max_secret_length`.
caf::expected<std::string> read_secret_file(const std::string& path);

/// The secret of a program: read from `secret_file` when it is not empty,
/// else taken from `PSS_SECRET` when that is set (the same checks apply),
/// else empty (no secret).
caf::expected<std::string> load_secret(const std::string& secret_file);

/// Whether every address `host` resolves to is a loopback address
/// (127.0.0.0/8, ::1); false for any other address, for the wildcard
/// addresses and for a host that does not resolve.
bool is_loopback_host(const std::string& host);

/// Publishes `reg` on `host:port` (port 0: any free one) and returns the
/// port. With an empty `secret` the registry itself is published, and only
/// on a loopback host (`invalid_argument` otherwise). With a secret a
/// control gate is published instead, on any host; it ends with `reg`.
caf::expected<uint16_t> publish_control(caf::actor_system& sys,
                                        const registry_actor& reg,
                                        const std::string& host, uint16_t port,
                                        const std::string& secret);

/// Connects to the control endpoint at `host:port`, giving up after
/// `timeout`. For an endpoint with a secret, returns a local actor that
/// puts every request into the envelope with `secret` and sends it to the
/// gate: the blocking functions of pss/proc_socket_server.hpp, pss-repl and
/// actors use it as they would use the registry (except starts with a
/// session function, which cannot cross the network). It checks the secret
/// at once: a wrong one fails with `unauthorized`, as does an empty one for
/// an endpoint that asks for a secret. For an endpoint without a secret it
/// returns the remote registry itself (`secret` is not needed then).
caf::expected<registry_actor>
connect_control(caf::actor_system& sys, const std::string& host, uint16_t port,
                const std::string& secret, timeout_ms timeout);

} // namespace pss
