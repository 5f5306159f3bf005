#include "pss/control.hpp"

#include <chrono>
#include <set>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "caf_duration.hpp"
#include "control/control_client.hpp"
#include "control/control_gate.hpp"
#include "pss/atoms.hpp"
#include "pss/errors.hpp"

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

std::string endpoint_text(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

// What the node at host:port published: its handle, and the messaging
// interface it declared (empty for an untyped actor such as the gate).
struct published_actor {
  caf::strong_actor_ptr handle;
  std::set<std::string> interface;
};

// Asks the middleman directly rather than through remote_actor(), which
// waits forever for a node that accepts the connection but never answers.
caf::expected<published_actor> connect_to(caf::scoped_actor& self,
                                          const std::string& host,
                                          uint16_t port, timeout_ms timeout) {
  published_actor result;
  caf::error err;
  self->request(self->system().middleman().actor_handle(), to_caf(timeout),
                caf::connect_atom::value, host, port)
      .receive(
          [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
              std::set<std::string>& interface) {
            result.handle = std::move(ptr);
            result.interface = std::move(interface);
          },
          [&](caf::error& x) { err = std::move(x); });
  if (err == caf::sec::request_timeout)
    return caf::make_error(error::timeout,
                           "no answer from " + endpoint_text(host, port));
  if (err)
    return err;
  if (!result.handle)
    return caf::make_error(caf::sec::no_actor_published_at_port);
  return result;
}

// Sends the gate an empty request in the envelope: it answers `ok` for the
// right secret and `unauthorized` for any other, without touching the
// registry.
caf::error check_secret(caf::scoped_actor& self, const caf::actor& gate,
                        const std::string& secret, timeout_ms timeout) {
  caf::error err;
  self->request(gate, to_caf(timeout), auth_atom::value, secret, caf::message{})
      .receive([](caf::ok_atom) {}, [&](caf::error& x) { err = std::move(x); });
  if (err == caf::sec::request_timeout)
    return caf::make_error(error::timeout, "the control gate did not answer");
  return err;
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
                                        const std::string& secret) {
  if (secret.empty()) {
    if (!is_loopback_host(host))
      return caf::make_error(error::invalid_argument,
                             endpoint_text(host, port)
                                 + " is not a loopback address: a control "
                                   "endpoint there needs a secret");
    return sys.middleman().publish(reg, port, host.c_str(), true);
  }
  auto gate = spawn_control_gate(sys, reg, secret);
  auto published = sys.middleman().publish(gate, port, host.c_str(), true);
  if (!published) {
    // From a local actor: the gate refuses anonymous exit messages.
    caf::scoped_actor self{sys};
    self->send_exit(gate, caf::exit_reason::user_shutdown);
  }
  return published;
}

caf::expected<registry_actor>
connect_control(caf::actor_system& sys, const std::string& host, uint16_t port,
                const std::string& secret, timeout_ms timeout) {
  auto started = std::chrono::steady_clock::now();
  caf::scoped_actor self{sys};
  auto published = connect_to(self, host, port, timeout);
  if (!published)
    return std::move(published.error());
  // A registry declares its typed interface; the gate, untyped, declares
  // none.
  if (!published->interface.empty())
    return caf::actor_cast<registry_actor>(std::move(published->handle));
  if (secret.empty())
    return caf::make_error(error::unauthorized, "the control endpoint "
                                                    + endpoint_text(host, port)
                                                    + " asks for a secret");
  auto gate = caf::actor_cast<caf::actor>(std::move(published->handle));
  auto left = timeout;
  if (timeout != infinity) {
    auto spent = std::chrono::duration_cast<timeout_ms>(
        std::chrono::steady_clock::now() - started);
    left = spent < timeout ? timeout - spent : timeout_ms{1};
  }
  if (auto err = check_secret(self, gate, secret, left))
    return err;
  return caf::actor_cast<registry_actor>(
      spawn_control_client(sys, std::move(gate), secret));
}

} // namespace pss
