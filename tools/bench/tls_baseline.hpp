#pragma once

#include <cstdint>
#include <string>

namespace pss::bench {

/// The floor for a TLS echo server on this machine: the plain baseline's
/// shape (one thread, one epoll set, one shared read buffer) with OpenSSL
/// on each non-blocking socket (SSL_set_fd). Its context is pss's
/// (actors/tls/tls_context.cpp): TLS 1.2 at least, the system's cipher
/// policy, no renegotiation, no compression, record buffers released while
/// idle, default session cache and tickets. Every plaintext byte is written
/// back; a peer's close_notify is answered with one, then the connection
/// closes. Listens on 127.0.0.1:`port` (0: any) with `cert` and `key`
/// (PEM), prints `listening PORT` on stdout, and runs until SIGTERM.
/// Returns the process exit status.
int run_tls_baseline(uint16_t port, const std::string& cert,
                     const std::string& key);

} // namespace pss::bench
