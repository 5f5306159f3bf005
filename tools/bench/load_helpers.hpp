#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace pss::bench {

/// What the plain loads (load.cpp) and the TLS loads (tls_load.cpp) share:
/// requests, connecting, closing, time.

/// A request: the length header (if any) and a payload whose bytes depend
/// on the connection, so that an echo sent to the wrong peer is caught.
std::string make_request(size_t header, size_t size, int conn);

/// Starts connecting `fd` to 127.0.0.1:`port`. False when that failed at
/// once (not for EINPROGRESS: the socket becomes writable when done).
bool start_connect(int fd, uint16_t port);

/// Binds `fd` to the loopback source address 127.0.0.2 + `next` (0..252),
/// port left to connect, and advances `next`. A load that closes with FIN
/// leaves its side in TIME_WAIT: rotating over 253 source addresses gives
/// it 253 times the local ports before they run out.
void bind_rotating_source(int fd, uint32_t& next);

/// A non-blocking TCP_NODELAY socket connecting to 127.0.0.1:`port`, or -1;
/// from a rotating source address (see above) when `next_source` is given.
int connect_nonblocking(uint16_t port, uint32_t* next_source = nullptr);

/// Closes with a reset: the client side then leaves no TIME_WAIT behind,
/// which would exhaust local ports at thousands of connections a second.
void close_abortive(int fd);

/// Sends all of `msg` on a non-blocking socket; small messages go at once,
/// larger ones spin on EAGAIN (the echo drains them).
bool send_all(int fd, const std::string& msg);

/// CPU time of the calling thread, user and system, seconds.
double thread_cpu_seconds();

/// Wall time since `start`, seconds.
double seconds_since(std::chrono::steady_clock::time_point start);

} // namespace pss::bench
