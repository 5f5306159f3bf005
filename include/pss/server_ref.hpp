#pragma once

/// \file
/// How callers name a server: by handle, port or name.

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/string_view.hpp>
#include <caf/variant.hpp>

namespace pss {

/// How callers name a server, as the original's `Pid | Port | Name`: its
/// actor handle, the port it listens on, or its registered name. Converts
/// implicitly from each, so `server_status(reg, 9923)` and
/// `server_status(reg, "picoSocketServer_9923")` both read naturally.
struct server_ref {
  /// The reference itself.
  caf::variant<caf::actor, uint16_t, std::string> value;

  server_ref() = default;
  /// By handle.
  server_ref(caf::actor server) : value(std::move(server)) {}
  /// By port.
  server_ref(uint16_t port) : value(port) {}
  /// By name.
  server_ref(std::string name) : value(std::move(name)) {}
  /// By name.
  server_ref(const char* name) : value(std::string{name}) {}

  /// The port, or null when the reference is not by port.
  const uint16_t* port() const {
    return caf::get_if<uint16_t>(&value);
  }

  /// The name, or null when the reference is not by name.
  const std::string* name() const {
    return caf::get_if<std::string>(&value);
  }

  /// The handle, or null when the reference is not by handle.
  const caf::actor* handle() const {
    return caf::get_if<caf::actor>(&value);
  }
};

/// Reads a reference typed by a person: a number in 1..65535 is a port,
/// anything else a name.
server_ref parse_server_ref(caf::string_view text);

/// Renders `ref` for messages: the name, `port N`, or `actor#ID`.
std::string to_string(const server_ref& ref);

/// How CAF serializes and prints a `server_ref`.
/// @relates server_ref
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_ref& x) {
  return f(caf::meta::type_name("pss::server_ref"), x.value);
}

} // namespace pss
