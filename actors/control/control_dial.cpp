#include "control/control_dial.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/challenge.hpp"
#include "pss/errors.hpp"

namespace pss {

namespace {

using clock_type = std::chrono::steady_clock;

/// How long a control endpoint may take to greet.
constexpr auto greeting_wait = std::chrono::seconds(2);

// A socket that closes itself unless released.
struct socket_guard {
  int fd = -1;
  ~socket_guard() {
    if (fd >= 0)
      ::close(fd);
  }
  int release() {
    auto result = fd;
    fd = -1;
    return result;
  }
};

// Waits for `events` on `fd` until `deadline`: false on timeout.
bool wait_for(int fd, short events, clock_type::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock_type::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd, events, 0};
    // Without a timeout the deadline is the end of time: wait in slices
    // poll(2) can count.
    auto slice = std::min<int64_t>(left.count(), 60'000);
    auto rc = ::poll(&p, 1, static_cast<int>(slice));
    if (rc > 0)
      return true;
    if (rc < 0 && errno != EINTR)
      return true; // the next call on the socket reports the problem
  }
}

caf::error timed_out(const std::string& where, const char* what) {
  return caf::make_error(error::timeout,
                         std::string{"no "} + what + " from " + where);
}

caf::error system_error(int err) {
  return caf::make_error(caf::sec::cannot_connect_to_node,
                         std::string{std::strerror(err)});
}

// Reads exactly `size` bytes. Errors name `what` was awaited.
caf::error read_exactly(int fd, unsigned char* buf, size_t size,
                        clock_type::time_point deadline,
                        const std::string& where, const char* what) {
  size_t got = 0;
  while (got < size) {
    auto n = ::recv(fd, buf + got, size - got, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0)
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             where + " closed the connection before its " + what
                                 + " (too many control connections at once?)");
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return system_error(errno);
    if (!wait_for(fd, POLLIN, deadline))
      return timed_out(where, what);
  }
  return caf::none;
}

caf::expected<int> connect_before(const std::string& host, uint16_t port,
                                  clock_type::time_point deadline) {
  auto where = endpoint_text(host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  auto rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0)
    return caf::make_error(caf::sec::cannot_connect_to_node,
                           where + ": " + gai_strerror(rc));
  int last_error = ECONNREFUSED;
  bool timed_out_once = false;
  for (auto ai = found; ai != nullptr; ai = ai->ai_next) {
    socket_guard sock{::socket(ai->ai_family,
                               ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                               ai->ai_protocol)};
    if (sock.fd < 0) {
      last_error = errno;
      continue;
    }
    if (::connect(sock.fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = errno;
        continue;
      }
      if (!wait_for(sock.fd, POLLOUT, deadline)) {
        timed_out_once = true;
        break;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last_error = err;
        continue;
      }
    }
    ::freeaddrinfo(found);
    return sock.release();
  }
  ::freeaddrinfo(found);
  if (timed_out_once)
    return timed_out(where, "connection");
  return system_error(last_error);
}

caf::error unauthorized(const std::string& text) {
  return caf::make_error(error::unauthorized, text);
}

} // namespace

std::string endpoint_text(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

caf::expected<int> dial_control(const std::string& host, uint16_t port,
                                const std::string& secret,
                                clock_type::time_point deadline) {
  auto where = endpoint_text(host, port);
  auto connected = connect_before(host, port, deadline);
  if (!connected)
    return std::move(connected.error());
  socket_guard sock{*connected};
  // The door greets at once from a thread of its own, however busy the
  // node: a port silent for long is something else (a data port).
  std::array<unsigned char, auth::hello_size> hello_bytes{};
  auto greeting_deadline
      = std::min(deadline, clock_type::now() + greeting_wait);
  if (auto err = read_exactly(sock.fd, hello_bytes.data(), hello_bytes.size(),
                              greeting_deadline, where, "greeting")) {
    if (err == error::timeout)
      return caf::make_error(error::timeout,
                             where
                                 + " sent no greeting: not a pss control "
                                   "endpoint (or a node too loaded to "
                                   "greet within 2 s)");
    return err;
  }
  auto hello = auth::decode_hello(hello_bytes.data());
  if (!hello)
    return caf::make_error(error::invalid_argument,
                           where
                               + " is not a pss control endpoint (or one "
                                 "of another version)");
  if (hello->secret_required && secret.empty())
    return unauthorized("the control endpoint " + where + " asks for a secret");
  auth::response response;
  response.client_nonce = auth::fresh_nonce();
  if (hello->secret_required)
    response.client_mac
        = auth::client_mac(secret, hello->node_nonce, response.client_nonce);
  auto bytes = auth::encode(response);
  if (::send(sock.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL)
      != static_cast<ssize_t>(bytes.size()))
    return system_error(errno);
  unsigned char verdict = 0;
  if (auto err = read_exactly(sock.fd, &verdict, 1, deadline, where, "verdict"))
    return err;
  if (verdict == 'R') {
    unsigned char reason = 0;
    if (read_exactly(sock.fd, &reason, 1, deadline, where, "reason"))
      reason = static_cast<unsigned char>(auth::refusal::wrong_secret);
    if (static_cast<auth::refusal>(reason) == auth::refusal::wrong_secret)
      return unauthorized("wrong secret");
    return caf::make_error(error::invalid_argument,
                           where
                               + " did not understand the handshake (a "
                                 "pss of another version?)");
  }
  if (verdict != 'A')
    return caf::make_error(error::invalid_argument,
                           where + " answered the handshake with garbage");
  auth::mac proof{};
  if (auto err = read_exactly(sock.fd, proof.data(), proof.size(), deadline,
                              where, "proof"))
    return err;
  if (hello->secret_required
      && !auth::macs_equal(proof, auth::node_mac(secret, hello->node_nonce,
                                                 response.client_nonce)))
    return unauthorized("the control endpoint " + where
                        + " does not know the secret (not the node you "
                          "meant?)");
  // The node hands the socket to its BASP broker after the verdict; CAF's
  // protocol may start only once that broker speaks, or the first bytes
  // would reach the door instead.
  unsigned char first = 0;
  for (;;) {
    auto n = ::recv(sock.fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 1)
      break;
    if (n == 0)
      return caf::make_error(caf::sec::cannot_connect_to_node,
                             where
                                 + " closed the connection after the "
                                   "handshake");
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return system_error(errno);
    if (!wait_for(sock.fd, POLLIN, deadline))
      return timed_out(where, "answer after the handshake");
  }
  return sock.release();
}

} // namespace pss
