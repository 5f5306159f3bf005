#pragma once

#include <cstdint>
#include <vector>

#include "load.hpp"

struct ssl_st;

namespace pss::bench {

/// TLS loads against 127.0.0.1:`cfg.port`, in the style of the plain ones
/// (load.hpp): one thread, one epoll set, non-blocking sockets with
/// OpenSSL on them, bounded by `cfg.seconds`, every echoed byte checked.
/// Of `load_config` they use port, connections, size and seconds (no
/// framing: the servers echo raw bytes). The client verifies no
/// certificate (the figures are about the server's cost) and resumes no
/// session: every handshake is a full one.

/// `tls rr`: `connections` persistent TLS connections, handshaken before
/// the clock starts, each sending `size` bytes and waiting for their echo,
/// again and again; rate: responses per second.
load_result run_tls_rr(const load_config& cfg);

/// `tls handshakes`: `connections` slots, each cycling connect, a full
/// handshake, one `size`-byte request and its echo, close_notify, close
/// (FIN, from rotating source addresses 127.0.0.2-254 so that TIME_WAIT
/// does not use up local ports); rate: completed cycles per second.
load_result run_tls_handshakes(const load_config& cfg);

/// `tls idle`: `count` TLS connections, each handshaken and confirmed with
/// one echoed message, kept open. Close them with `close_tls_idle`.
struct tls_idle_set {
  struct connection {
    int fd = -1;
    ssl_st* ssl = nullptr;
  };
  std::vector<connection> conns;
  uint64_t errors = 0;
};
tls_idle_set open_tls_idle(uint16_t port, int count);

/// Closes every connection of `set` (a reset: nothing more to say).
void close_tls_idle(tls_idle_set& set);

} // namespace pss::bench
