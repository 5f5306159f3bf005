#include "pss/control.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <caf/scoped_actor.hpp>

#include "caf017/basp_handoff.hpp"
#include "caf_duration.hpp"
#include "control/control_client.hpp"
#include "control/control_dial.hpp"
#include "control/control_gate.hpp"
#include "control/front_door.hpp"
#include "pss/atoms.hpp"
#include "pss/errors.hpp"
#include "server/listen_socket.hpp"

namespace pss {

namespace {

bool is_loopback(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    auto v4 = reinterpret_cast<const sockaddr_in*>(addr);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr->sa_family == AF_INET6) {
    auto v6 = &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(v6))
      return true;
    // ::ffff:127.x.y.z
    return IN6_IS_ADDR_V4MAPPED(v6) && v6->s6_addr[12] == 127;
  }
  return false;
}

caf::expected<uint16_t> check_and_open(const std::string& host, uint16_t port,
                                       const std::string& secret,
                                       listen_socket& sock) {
  if (secret.empty() && !is_loopback_host(host))
    return caf::make_error(error::invalid_argument,
                           endpoint_text(host, port)
                               + " is not a loopback address: a control "
                                 "endpoint there needs a secret");
  auto opened = open_listen_socket(host, port);
  if (!opened)
    return std::move(opened.error());
  sock = *opened;
  return sock.port;
}

// Opens the door of a control endpoint on `sock` for `whom`, and closes it
// when `whom` ends. The door holds a strong reference to `whom` (it names it
// to every peer it lets through) and `whom` holds the door (in an
// attachable) until it ends: no actor sits between them that CAF could
// collect as unreachable.
void open_door(caf::actor_system& sys, const caf::actor& whom,
               std::set<std::string> interface, listen_socket sock,
               std::string secret, const control_options& options) {
  auto published = caf::actor_cast<caf::strong_actor_ptr>(whom);
  auto port = sock.port;
  auto door = std::make_shared<front_door>(
      sock.fd, std::move(secret), options,
      [&sys, port, published, interface](int fd) {
        caf017::adopt_as_node(sys, fd, port, published, interface);
      });
  whom->attach_functor([door]() mutable { door.reset(); });
}

} // namespace

bool is_loopback_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (host.empty() || ::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0)
    return false;
  bool all_loopback = found != nullptr;
  for (auto i = found; i != nullptr; i = i->ai_next)
    all_loopback = all_loopback && is_loopback(i->ai_addr);
  ::freeaddrinfo(found);
  return all_loopback;
}

caf::expected<uint16_t> publish_control(caf::actor_system& sys,
                                        const registry_actor& reg,
                                        const std::string& host, uint16_t port,
                                        const std::string& secret,
                                        const control_options& options) {
  listen_socket sock;
  auto opened = check_and_open(host, port, secret, sock);
  if (!opened)
    return opened;
  // Without a secret the registry itself is published (loopback only, every
  // local user may control the node); with one, the gate that keeps actor
  // handles and CAF's system messages from crossing.
  caf::actor whom;
  std::set<std::string> interface;
  if (secret.empty()) {
    whom = caf::actor_cast<caf::actor>(reg);
    interface = sys.message_types(reg);
  } else {
    whom = spawn_control_gate(sys, reg);
  }
  open_door(sys, whom, std::move(interface), sock, secret, options);
  return sock.port;
}

caf::expected<caf::actor>
connect_published(caf::actor_system& sys, const std::string& host,
                  uint16_t port, const std::string& secret, timeout_ms timeout,
                  std::set<std::string>* interface) {
  auto deadline = timeout == infinity
                      ? std::chrono::steady_clock::time_point::max()
                      : std::chrono::steady_clock::now() + timeout;
  auto fd = dial_control(host, port, secret, deadline);
  if (!fd)
    return std::move(fd.error());
  auto left = timeout;
  if (timeout != infinity)
    left = std::max(timeout_ms{1},
                    std::chrono::duration_cast<timeout_ms>(
                        deadline - std::chrono::steady_clock::now()));
  caf::scoped_actor self{sys};
  auto peer = caf017::adopt_as_client(self, *fd, port, to_caf(left));
  if (!peer) {
    if (peer.error() == caf::sec::request_timeout)
      return caf::make_error(error::timeout,
                             "no answer from " + endpoint_text(host, port));
    return std::move(peer.error());
  }
  if (!peer->published)
    return caf::make_error(caf::sec::no_actor_published_at_port);
  if (interface != nullptr)
    *interface = std::move(peer->interface);
  return caf::actor_cast<caf::actor>(std::move(peer->published));
}

caf::expected<registry_actor>
connect_control(caf::actor_system& sys, const std::string& host, uint16_t port,
                const std::string& secret, timeout_ms timeout) {
  std::set<std::string> interface;
  auto published
      = connect_published(sys, host, port, secret, timeout, &interface);
  if (!published)
    return std::move(published.error());
  // A registry declares its typed interface; the gate, untyped, declares
  // none.
  if (!interface.empty())
    return caf::actor_cast<registry_actor>(std::move(*published));
  return caf::actor_cast<registry_actor>(
      spawn_control_client(sys, std::move(*published)));
}

} // namespace pss
