#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/expected.hpp>

namespace pss {

/// A listening TCP socket, opened before its server broker exists so that
/// a port in use or a bad address is an error for the caller, not a dead
/// broker.
struct listen_socket {
  /// The non-blocking, close-on-exec descriptor.
  int fd = -1;
  /// The port it really listens on (the OS's pick when asked for 0).
  uint16_t port = 0;
};

/// The original's listen backlog: clients beyond `Max` wait here.
constexpr int listen_backlog = 4096;

/// Opens a socket listening on `address` (empty: every IPv4 interface, as
/// the original) and `port` with SO_REUSEADDR and `listen_backlog`. Errors:
/// `address_in_use`, `bind_failed` (with the system's reason).
caf::expected<listen_socket> open_listen_socket(const std::string& address,
                                                uint16_t port);

/// Closes a socket that will not be handed to a broker.
void close_listen_socket(listen_socket& sock);

/// Connections waiting in the listen queue of `fd` (0 if unknown).
size_t accept_queue_length(int fd);

/// Sets TCP_NODELAY and SO_KEEPALIVE on a listening socket: Linux hands
/// both on to every connection it accepts, which saves two system calls
/// per connection. Failures are harmless (sessions simply run without
/// them) and ignored.
void tune_listener(int fd, bool nodelay, bool keepalive);

/// Turns TCP_NODELAY off on a connected socket.
void disable_nodelay(int fd);

/// Whether the connection of `fd` was reset (or is closed for good), as
/// opposed to a peer that only finished sending (FIN) and may still read.
bool connection_reset(int fd);

/// The peer of a connected socket as `ip:port` (one system call; empty if
/// the socket has no peer any more).
std::string peer_of(int fd);

} // namespace pss
