// Built outside the pss tree against an installed pss (CMake package and
// pkg-config): starts an echo server, talks to it over 127.0.0.1, then asks
// for its status through a control endpoint with a secret (whose handshake
// needs libcrypto: a link line without it fails here). Exits 0 only if the
// echo came back intact and the status is right.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>

#include <caf/actor_system.hpp>
#include <pss/all.hpp>

namespace {

using steady = std::chrono::steady_clock;

/// Sends `message` to 127.0.0.1:`port` and reads until as many bytes came
/// back, the peer closed, or 10 s passed.
std::string echo_over_loopback(uint16_t port, const std::string& message) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  if (fd < 0
      || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::send(fd, message.data(), message.size(), MSG_NOSIGNAL)
           != static_cast<ssize_t>(message.size())) {
    std::cerr << "echo_check: cannot talk to port " << port << '\n';
  } else {
    auto deadline = steady::now() + std::chrono::seconds(10);
    while (received.size() < message.size() && steady::now() < deadline) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0)
        continue;
      char buf[256];
      auto n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0)
        break;
      received.append(buf, static_cast<size_t>(n));
    }
  }
  if (fd >= 0)
    ::close(fd);
  return received;
}

/// Publishes `reg` behind a secret on 127.0.0.1, connects to it through the
/// door and checks the status of the server on `port` from there.
bool status_through_control(caf::actor_system& sys,
                            const pss::registry_actor& reg, uint16_t port) {
  const std::string secret = "consumer-test-secret-0123456789";
  auto timeout = std::chrono::seconds(10);
  auto control = pss::publish_control(sys, reg, "127.0.0.1", 0, secret);
  if (!control) {
    std::cerr << "echo_check: publish_control: "
              << pss::describe(control.error()) << '\n';
    return false;
  }
  auto remote = pss::connect_control(sys, "127.0.0.1", *control, secret,
                                     timeout);
  if (!remote) {
    std::cerr << "echo_check: connect_control: "
              << pss::describe(remote.error()) << '\n';
    return false;
  }
  auto st = pss::server_status(*remote, port, timeout);
  if (!st || st->max != 4) {
    std::cerr << "echo_check: status through control: "
              << (st ? std::to_string(st->max) : pss::describe(st.error()))
              << ", not max 4\n";
    return false;
  }
  return true;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  pss::configure(cfg);
  caf::actor_system sys{cfg};
  auto reg = pss::spawn_registry(sys);
  auto echo = [](pss::session& self) -> caf::behavior {
    return {[&self](const pss::packet& pkt) { self.send(pkt); }};
  };
  int status = 1;
  auto info = pss::start_server(reg, 0, 4, echo);
  if (!info) {
    std::cerr << "echo_check: start_server: " << pss::describe(info.error())
              << '\n';
  } else {
    const std::string message = "hello from an outside project\n";
    auto reply = echo_over_loopback(info->port, message);
    if (reply != message) {
      std::cerr << "echo_check: sent '" << message << "', got '" << reply
                << "'\n";
    } else if (status_through_control(sys, reg, info->port)) {
      std::cout << "echo_check: ok, " << info->name << " echoed "
                << reply.size() << " bytes, status through control\n";
      status = 0;
    }
    pss::stop_server(reg, info->port);
  }
  pss::shutdown_registry(reg);
  return status;
}
