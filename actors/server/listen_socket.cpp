#include "server/listen_socket.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pss/errors.hpp"

namespace pss {

namespace {

std::string where(const std::string& address, uint16_t port) {
  return (address.empty() ? std::string{"*"} : address) + ":"
         + std::to_string(port);
}

caf::error socket_error(int err, const std::string& address, uint16_t port) {
  auto text = where(address, port) + ": " + std::strerror(err);
  if (err == EADDRINUSE)
    return caf::make_error(error::address_in_use, std::move(text));
  return caf::make_error(error::bind_failed, std::move(text));
}

// Binds and listens on one resolved address; returns the fd or -errno.
int try_listen(const sockaddr* addr, socklen_t len, int family) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (::bind(fd, addr, len) != 0 || ::listen(fd, listen_backlog) != 0) {
    auto err = errno;
    ::close(fd);
    return -err;
  }
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return 0;
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

} // namespace

caf::expected<listen_socket> open_listen_socket(const std::string& address,
                                                uint16_t port) {
  int result = -EINVAL;
  if (address.empty()) {
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    any.sin_port = htons(port);
    result
        = try_listen(reinterpret_cast<sockaddr*>(&any), sizeof(any), AF_INET);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    auto service = std::to_string(port);
    auto rc = ::getaddrinfo(address.c_str(), service.c_str(), &hints, &found);
    if (rc != 0)
      return caf::make_error(error::bind_failed,
                             where(address, port) + ": " + gai_strerror(rc));
    for (auto ai = found; ai != nullptr; ai = ai->ai_next) {
      result = try_listen(ai->ai_addr, ai->ai_addrlen, ai->ai_family);
      if (result >= 0 || result == -EADDRINUSE)
        break;
    }
    ::freeaddrinfo(found);
  }
  if (result < 0)
    return socket_error(-result, address, port);
  return listen_socket{result, bound_port(result)};
}

void close_listen_socket(listen_socket& sock) {
  if (sock.fd >= 0)
    ::close(sock.fd);
  sock.fd = -1;
}

size_t accept_queue_length(int fd) {
  // For a listening socket, Linux reports the accept queue's length in
  // tcpi_unacked (and its limit in tcpi_sacked).
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
    return 0;
  return info.tcpi_unacked;
}

bool connection_reset(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
    return true;
  // After the peer's FIN the socket is in CLOSE_WAIT: writing still works.
  // A reset leaves it CLOSED.
  return info.tcpi_state == TCP_CLOSE;
}

void disable_nodelay(int fd) {
  int off = 0;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &off, sizeof(off));
}

std::string peer_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return {};
  char text[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
    port = ntohs(in4->sin_port);
  }
  return std::string{text} + ":" + std::to_string(port);
}

void tune_listener(int fd, bool nodelay, bool keepalive) {
  int nodelay_flag = nodelay ? 1 : 0;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay_flag,
               sizeof(nodelay_flag));
  int keepalive_flag = keepalive ? 1 : 0;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive_flag,
               sizeof(keepalive_flag));
}

} // namespace pss
