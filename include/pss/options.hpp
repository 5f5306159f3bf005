#pragma once

/// \file
/// `session_options` (with `runs_on`) and `server_spec`: what describes a
/// server to start.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/string_view.hpp>

#include "pss/framing.hpp"

namespace pss {

/// Where a session's function and handlers run (server option `runs-on`).
/// Every mode sees the same `pss::session`, framing, limits and operator
/// requests; only the thread that runs the handlers differs.
enum class run_mode : uint8_t {
  /// On the node's I/O thread, in the broker that owns the connection: the
  /// fastest and smallest, but a handler that blocks or computes for long
  /// stalls every session of the node and its control endpoint.
  io = 0,
  /// On CAF's scheduler (a worker pool shared by all actors): the broker
  /// keeps the socket and the framing, packets and replies travel as
  /// messages. For handlers that wait on other actors or compute briefly.
  pool = 1,
  /// On a thread of its own (a detached actor): a handler may block, as in
  /// Erlang or thread-per-connection servers. Costs a thread per session.
  thread = 2,
};

/// Returns `io`, `pool` or `thread`.
std::string to_string(run_mode x);

/// Parses `io`, `pool` or `thread`.
caf::expected<run_mode> parse_run_mode(caf::string_view text);

/// Tuning of each session of a server: what Erlang's `SpawnOpts` tuned for
/// its session processes. The defaults suit many small sessions.
struct session_options {
  /// Bytes of the first read: what an idle session holds for reading. A read
  /// that fills the buffer doubles it (up to 64 KiB) for the reads after.
  uint32_t read_buffer = 128;
  /// Queued output (bytes the peer has not taken yet) above which the
  /// session stops reading from its peer until the queue drains to half.
  uint32_t write_high_water = 64 * 1024;
  /// Queued output above which the session gives up on a peer that does not
  /// read and ends with `send_buffer_full`; 0 means 16 x `write_high_water`.
  uint32_t write_limit = 0;
  /// A session that receives nothing for this long ends with reason
  /// `timeout`; 0 disables the check.
  uint32_t idle_timeout_ms = 0;
  /// Once a session has ended, how long its peer has to take the output
  /// still queued for it; then the connection is reset and its descriptor
  /// released, even if the peer neither reads nor closes. An ended session
  /// no longer counts in `Num` while its output drains. 0: no lingering,
  /// output still queued at the end is dropped and the connection reset.
  uint32_t linger_ms = 5000;
  /// TCP_NODELAY on every session socket (the original sets it).
  bool nodelay = true;
  /// SO_KEEPALIVE on every session socket.
  bool keepalive = false;
  /// Where the session function and its handlers run.
  run_mode runs_on = run_mode::io;
};

/// TLS for every session of a server (server spec keys `tls-*`): off while
/// `cert` and `key` are empty. The session function sees plaintext
/// packets; framing, limits and operator requests work as without TLS.
/// Fixed defaults: TLS 1.2 at least, the system's cipher policy, no
/// renegotiation.
struct tls_options {
  /// PEM file: the server's certificate and its intermediates (`tls-cert`).
  std::string cert;
  /// PEM file: its private key (`tls-key`).
  std::string key;
  /// PEM file of the CAs whose client certificates are accepted
  /// (`tls-ca`): set, every client must present a certificate that
  /// verifies against them.
  std::string ca;
  /// Application protocols offered by ALPN, the server's preference first
  /// (`tls-alpn=NAME:NAME...`).
  std::vector<std::string> alpn;
  /// A session whose handshake has not ended after this long ends with
  /// `tls_failed` (`tls-handshake-timeout=MS`).
  uint32_t handshake_timeout_ms = 10000;

  /// Whether TLS is on.
  bool enabled() const {
    return !cert.empty() || !key.empty();
  }
};

/// Everything that describes a server to start, except its session function:
/// the part of a start request that can cross the network.
struct server_spec {
  /// Registered name; empty means `picoSocketServer_<port>`.
  std::string name;
  /// TCP port; 0 lets the OS pick a free one.
  uint16_t port = 0;
  /// Most sessions at once (`Max`); must be at least 1.
  int32_t max = 1;
  /// Framing of every packet, both directions; unset means the handler's
  /// own framing (raw for a plain function).
  caf::optional<packet_type> packet;
  /// Largest packet accepted (`PacketSize`); 0 means the framing's maximum
  /// (at most `default_packet_size_limit`).
  uint32_t packet_size = 0;
  /// Address to listen on; empty means every interface, as the original.
  std::string bind_address;
  /// Handler to run, by name, when the request comes without a function
  /// (remote starts and pss-node); ignored otherwise.
  std::string handler;
  /// Session tuning.
  session_options session;
  /// TLS (off by default).
  tls_options tls;
  /// When valid, the server stops when this actor terminates (the original
  /// links the server to the process that started it).
  caf::actor parent;
};

/// Name of an unnamed server listening on `port`: `picoSocketServer_<port>`.
std::string default_server_name(uint16_t port);

/// Returns an error when `spec` cannot describe a server (max < 1, a packet
/// size beyond the framing, a zero read buffer...), and nothing otherwise.
caf::error validate(const server_spec& spec);

/// How CAF serializes and prints a `session_options`.
/// @relates session_options
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_options& x) {
  return f(caf::meta::type_name("pss::session_options"), x.read_buffer,
           x.write_high_water, x.write_limit, x.idle_timeout_ms, x.linger_ms,
           x.nodelay, x.keepalive, x.runs_on);
}

/// How CAF serializes and prints a `tls_options`.
/// @relates tls_options
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tls_options& x) {
  return f(caf::meta::type_name("pss::tls_options"), x.cert, x.key, x.ca,
           x.alpn, x.handshake_timeout_ms);
}

/// How CAF serializes and prints a `server_spec`.
/// @relates server_spec
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_spec& x) {
  return f(caf::meta::type_name("pss::server_spec"), x.name, x.port, x.max,
           x.packet, x.packet_size, x.bind_address, x.handler, x.session, x.tls,
           x.parent);
}

} // namespace pss
