#pragma once

#include <cstdint>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"
#include "pss/server_info.hpp"
#include "pss/server_ref.hpp"

/// \file
/// Operations on running servers that the original did not have, in the
/// same blocking style as proc_socket_server.hpp (actors send the registry
/// the same requests themselves: `set_max_atom`, `suspend_atom`...).

namespace pss {

/// The default time a drain waits for sessions to end before closing them.
constexpr uint32_t default_drain_timeout_ms = 30'000;

/// Changes the server's limit to `max` (at least 1) and answers its new
/// `{Num, Max}`. Raising it serves waiting clients at once; lowering it
/// cuts no session: the server stops accepting until sessions drop below.
caf::expected<status> set_max(const registry_actor& reg, const server_ref& ref,
                              int32_t max, timeout_ms timeout = infinity);

/// Stops accepting without closing the listening socket: new clients wait
/// in the kernel's backlog (up to its length), running sessions go on.
caf::error suspend_server(const registry_actor& reg, const server_ref& ref,
                          timeout_ms timeout = infinity);

/// Accepts again after `suspend_server`; waiting clients are served.
caf::error resume_server(const registry_actor& reg, const server_ref& ref,
                         timeout_ms timeout = infinity);

/// Stops the server gracefully: it accepts nothing more, lets its sessions
/// finish and stops when the last one ends or `drain_timeout_ms` passed
/// (closing the rest). Returns once the server is gone, with how many
/// sessions ended on their own and how many were closed. `timeout` bounds
/// the wait for that answer, so it should exceed `drain_timeout_ms`.
caf::expected<drain_report>
drain_server(const registry_actor& reg, const server_ref& ref,
             uint32_t drain_timeout_ms = default_drain_timeout_ms,
             timeout_ms timeout = infinity);

/// Loads the TLS files of a server started with `tls-cert`/`tls-key` again,
/// from the paths it started with (rotate certificates by replacing those
/// files). New handshakes use the new certificate, key, CA and ALPN list;
/// running sessions go on with theirs. A file that cannot be loaded fails
/// with `tls_failed` naming it, and the server keeps serving what it had.
/// A server without TLS answers `invalid_argument`.
caf::error reload_tls(const registry_actor& reg, const server_ref& ref,
                      timeout_ms timeout = infinity);

/// The server's totals since start: sessions accepted, active, peak, ended
/// cleanly or with an error (by reason), refused frames, traffic.
caf::expected<server_totals> server_info_totals(const registry_actor& reg,
                                                const server_ref& ref,
                                                timeout_ms timeout = infinity);

} // namespace pss
