#pragma once

#include <cstdint>

namespace pss::bench {

/// What the plain and the TLS epoll baselines share: their listener, their
/// accepts and their way to stop.

/// A non-blocking listener on 127.0.0.1:`port` (0: any), backlog 4096;
/// `bound` is set to its port. -1 (after perror) when it failed.
int listen_loopback(uint16_t port, uint16_t& bound);

/// Prints `listening PORT` on stdout, the line server_process reads.
void announce_listening(uint16_t port);

/// One accepted connection of a non-blocking `listener`, non-blocking and
/// TCP_NODELAY; -1 when none is waiting (or out of descriptors: the next
/// event retries).
int accept_nodelay(int listener);

/// SIGTERM and SIGINT set the flag `stop_requested` reads; SIGPIPE is
/// ignored (OpenSSL's socket BIO writes without MSG_NOSIGNAL).
void handle_stop_signals();
bool stop_requested();

} // namespace pss::bench
