#pragma once

/// \file
/// The `pss` error category: `pss::error`, its names and `describe`.

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace pss {

/// Every error pss reports, rendered by name (see `to_string`). The names of
/// the first three are the original's answers and are relied on by scripts.
enum class error : uint8_t {
  /// Not an error.
  none = 0,
  /// No server is registered under that name, port or handle (yet).
  retrylater,
  /// The server, or the registry, did not answer in time.
  timeout,
  /// A server is already registered under that name.
  already_started,
  /// The port is in use by another socket.
  address_in_use,
  /// The address cannot be bound (unknown host, no such interface, no rights).
  bind_failed,
  /// A packet is larger than its framing or the server's packet-size allows.
  packet_too_large,
  /// An argument is out of range or malformed (max < 1, bad packet type...).
  invalid_argument,
  /// No handler is registered under that name.
  unknown_handler,
  /// The session function threw or failed.
  session_failed,
  /// The peer does not read and the session's send buffer passed its limit.
  send_buffer_full,
  /// The peer closed the connection in the middle of a frame.
  truncated_frame,
  /// The control endpoint refused: a wrong or missing secret, a node that
  /// could not prove it knows the secret, a request outside the gate's
  /// envelope.
  unauthorized,
  /// TLS: a certificate, key or CA file that cannot be loaded (at start or
  /// reload), or a session's handshake that failed or timed out.
  tls_failed,
};

/// Returns the readable name of `x`, e.g. `retrylater`.
std::string to_string(error x);

/// Renders a pss error as `name` or `name: context`, e.g.
/// `address_in_use: *:9923: Address already in use`. `pss::configure`
/// installs it so that `sys.render(err)` uses it.
std::string render_error(uint8_t code, caf::atom_value category,
                         const caf::message& context);

/// The CAF error category of pss errors.
constexpr caf::atom_value error_category = caf::atom("pss");

/// Returns the error's readable name: `retrylater` for a pss error, the CAF
/// name (`request_timeout`, ...) otherwise, and its context if it has one.
std::string describe(const caf::error& err);

/// True when a session ended the way the original calls clean: `normal`,
/// or the peer closed the socket (`socket_closed`).
bool is_clean_exit(const caf::error& reason);

} // namespace pss

CAF_ERROR_CODE_ENUM(pss::error, "pss")
