#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/scoped_actor.hpp>
#include <string>

#include "pss/registry.hpp"

namespace pss::repl {

/// The REPL's connection to one node's control endpoint: the remote
/// registry, watched so that a node that goes away is noticed.
class node_link {
public:
  /// `secret`: what every request carries to a node that asks for one
  /// (empty: none).
  node_link(caf::actor_system& sys, std::string secret);

  /// Connects to `host:port`, replacing any previous connection; gives up
  /// with `timeout` when the node does not complete the handshake in time.
  /// A node that asks for a secret is checked against it at once.
  caf::error connect(const std::string& host, uint16_t port,
                     std::chrono::milliseconds timeout);

  /// Whether the node is still there (false once it went away).
  bool connected();

  /// The node's registry (valid while connected).
  const registry_actor& registry() const {
    return registry_;
  }

  /// `HOST:PORT` of the node, or empty.
  const std::string& address() const {
    return address_;
  }

private:
  caf::actor_system& sys_;
  std::string secret_;
  registry_actor registry_;
  std::string address_;
  // Receives the down message of the remote registry when the node dies or
  // the connection breaks.
  std::unique_ptr<caf::scoped_actor> watcher_;
  bool down_ = true;
};

} // namespace pss::repl
