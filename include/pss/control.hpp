#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"

/// \file
/// The control endpoint: a registry published with CAF's middleman protocol
/// (BASP) so that other nodes and pss-repl control it.
///
/// Every control connection first passes a door (auth/challenge.hpp): the
/// node sends a fresh random nonce, the client answers with an
/// HMAC-SHA256 of it under the secret, and the node answers with its own
/// proof; only then does CAF's protocol get the connection. The secret never
/// crosses the wire, a recorded answer is refused on any other connection,
/// and a peer that has not proven itself costs the node a fixed few hundred
/// bytes and one of `control_options::max_pending_handshakes` slots for at
/// most `control_options::handshake_timeout`. Without a secret (loopback
/// endpoints only) the door checks nothing but the handshake's form: every
/// local user may control the node.
///
/// With a secret a control gate is published instead of the registry: it
/// takes requests in the envelope `(auth_atom, request)`, forwards them to
/// the registry and relays the answers without actor handles (a handle that
/// leaves a node can be messaged by any peer of that node, so remote callers
/// name servers by name or port instead), and refuses CAF's system messages
/// (an exit message would end it) from other nodes.
///
/// What passes the door is CAF's protocol in clear text: a sniffer does not
/// learn the secret, but sees the requests and answers, and a peer on the
/// path could take over a connection after its handshake. Beyond one
/// machine, reach the endpoint through an SSH tunnel or a private network.
/// Plain CAF `remote_actor` cannot connect to a pss control endpoint (it
/// does not know the handshake): use `connect_control`.

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

/// Limits of a control endpoint's door on peers that have not completed
/// the handshake.
struct control_options {
  /// Most connections in their handshake at once. When a new one arrives
  /// at the limit, the oldest is closed: a client that means it completes
  /// the handshake in one round trip, so a slot held longest is most likely
  /// a stranger's, and newcomers always get in.
  size_t max_pending_handshakes = 64;
  /// Time a connection has to complete the handshake before it is closed.
  timeout_ms handshake_timeout{5000};
};

/// Publishes `reg` on `host:port` (port 0: any free one) and returns the
/// port. With an empty `secret` the registry itself is published, and only
/// on a loopback host (`invalid_argument` otherwise). With a secret a
/// control gate is published instead, on any host; it ends with `reg`, and
/// the endpoint closes then. Errors as for a server's port:
/// `address_in_use`, `bind_failed`.
caf::expected<uint16_t> publish_control(caf::actor_system& sys,
                                        const registry_actor& reg,
                                        const std::string& host, uint16_t port,
                                        const std::string& secret,
                                        const control_options& options = {});

/// Connects to the control endpoint at `host:port` through its door with
/// `secret`, giving up after `timeout`. For an endpoint with a secret,
/// returns a local actor that puts every request into the envelope and
/// sends it to the gate: the blocking functions of
/// pss/proc_socket_server.hpp, pss-repl and actors use it as they would use
/// the registry (except starts with a session function, which cannot cross
/// the network). A wrong secret fails with `unauthorized`, as does an empty
/// one for an endpoint that asks for a secret, and a node that cannot prove
/// it knows the secret. For an endpoint without a secret it returns the
/// remote registry itself (`secret` is not needed then). Errors: `timeout`,
/// `unauthorized`, `invalid_argument` (not a pss control endpoint), CAF's
/// `cannot_connect_to_node` with the system's reason.
caf::expected<registry_actor>
connect_control(caf::actor_system& sys, const std::string& host, uint16_t port,
                const std::string& secret, timeout_ms timeout);

} // namespace pss
