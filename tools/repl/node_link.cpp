#include "node_link.hpp"

#include <chrono>

#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>

#include "pss/control.hpp"

namespace pss::repl {

node_link::node_link(caf::actor_system& sys, std::string secret)
    : sys_(sys), secret_(std::move(secret)) {
  // nop
}

caf::error node_link::connect(const std::string& host, uint16_t port,
                              std::chrono::milliseconds timeout) {
  auto reg = connect_control(sys_, host, port, secret_, timeout);
  if (!reg)
    return std::move(reg.error());
  registry_ = std::move(*reg);
  address_ = host + ":" + std::to_string(port);
  // Through a node's control gate the registry is a local stand-in, which
  // ends when the gate goes away: watching it tells the same.
  watcher_.reset(new caf::scoped_actor{sys_});
  (*watcher_)->monitor(registry_);
  down_ = false;
  return caf::none;
}

bool node_link::connected() {
  if (down_ || !watcher_)
    return false;
  bool got_message = true;
  while (got_message && !down_) {
    got_message = false;
    (*watcher_)->receive(
        [&](caf::down_msg&) {
          down_ = true;
          got_message = true;
        },
        caf::after(std::chrono::seconds(0)) >> [] {});
  }
  return !down_;
}

} // namespace pss::repl
