#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

#include <caf/duration.hpp>

#include "pss/registry.hpp"

/// \file
/// Registry requests from inside an actor, one function each, so that a
/// mistake reads as one error about one argument.
///
/// Why: a typed request names its message by the exact types of its
/// elements. `self->request(reg, timeout, drain_atom::value, "kv", 1000)`
/// sends a `const char*` and an `int` where the registry takes a
/// `server_ref` and a `uint32_t`: CAF rejects it with a page of template
/// errors. These functions take a `server_ref` (a name, a port or a handle
/// converts to it) and `std::chrono` durations, and return what
/// `self->request(...)` returns: add `.then(...)` or `.await(...)` with the
/// reply's handler and an error handler.
///
///     pss::request_status(self, reg, "kv", 2s).then(
///         [](pss::status st) { ... },
///         [](caf::error& err) { ... });
///
/// `timeout` is how long the request may take (CAF's request timeout:
/// `request_timeout` when it passes). `Self` is any actor that can make
/// requests (`event_based_actor`, a stateful or typed one, a broker).

namespace pss {

/// Starts the handler `spec.handler` of the registry's table; replies
/// `server_info`.
template <class Self>
auto request_start(Self* self, const registry_actor& reg, server_spec spec,
                   std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, start_atom::value, std::move(spec));
}

/// Stops a server; replies `caf::ok_atom` (also when there is none).
template <class Self>
auto request_stop(Self* self, const registry_actor& reg, server_ref ref,
                  std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, stop_atom::value, std::move(ref));
}

/// The port a server listens on; replies `uint16_t`.
template <class Self>
auto request_port(Self* self, const registry_actor& reg, server_ref ref,
                  std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, port_atom::value, std::move(ref));
}

/// `{Num, Max}`; replies `status`.
template <class Self>
auto request_status(Self* self, const registry_actor& reg, server_ref ref,
                    std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, status_atom::value, std::move(ref));
}

/// The sessions; replies `std::vector<child_info>`.
template <class Self>
auto request_children(Self* self, const registry_actor& reg, server_ref ref,
                      std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, children_atom::value, std::move(ref));
}

/// Every server; replies `std::vector<server_info>`.
template <class Self>
auto request_list(Self* self, const registry_actor& reg,
                  std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, list_atom::value);
}

/// Changes Max; replies the new `status`.
template <class Self>
auto request_set_max(Self* self, const registry_actor& reg, server_ref ref,
                     int32_t max, std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, set_max_atom::value, std::move(ref), max);
}

/// Stops accepting (clients wait); replies `caf::ok_atom`.
template <class Self>
auto request_suspend(Self* self, const registry_actor& reg, server_ref ref,
                     std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, suspend_atom::value, std::move(ref));
}

/// Accepts again; replies `caf::ok_atom`.
template <class Self>
auto request_resume(Self* self, const registry_actor& reg, server_ref ref,
                    std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, resume_atom::value, std::move(ref));
}

/// Loads a TLS server's files again; replies `caf::ok_atom`.
template <class Self>
auto request_reload_tls(Self* self, const registry_actor& reg, server_ref ref,
                        std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, reload_tls_atom::value, std::move(ref));
}

/// Stops gracefully, closing what is left after `grace`; replies
/// `drain_report` once the server is gone (give `timeout` room for
/// `grace`). A grace beyond 49 days is cut to that (the message's
/// `uint32_t` of milliseconds).
template <class Self>
auto request_drain(Self* self, const registry_actor& reg, server_ref ref,
                   std::chrono::milliseconds grace,
                   std::chrono::milliseconds timeout) {
  auto ms = grace.count() < 0 ? 0 : grace.count();
  auto capped = static_cast<uint32_t>(
      std::min<int64_t>(ms, std::numeric_limits<uint32_t>::max()));
  return self->request(reg, timeout, drain_atom::value, std::move(ref), capped);
}

/// A server's totals; replies `server_totals`.
template <class Self>
auto request_info(Self* self, const registry_actor& reg, server_ref ref,
                  std::chrono::milliseconds timeout) {
  return self->request(reg, timeout, info_atom::value, std::move(ref));
}

} // namespace pss
