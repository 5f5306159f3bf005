#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "node_link.hpp"
#include "pss/server_ref.hpp"

namespace pss::repl {

/// A server reference resolved to the node that has it.
struct target {
  node_link* node = nullptr;
  server_ref ref;
};

/// The nodes the REPL is connected to, in the order they were connected.
/// Each is named by the `HOST:PORT` it was connected with.
class node_set {
public:
  /// `secret`: what every request carries to nodes that ask for one
  /// (empty: none); the same for every node.
  node_set(caf::actor_system& sys, std::string secret);

  /// Connects to `host:port`, adding it; connecting to a node already in
  /// the set connects it again (after it went away).
  caf::expected<node_link*> connect(const std::string& host, uint16_t port,
                                    std::chrono::milliseconds timeout);

  /// Forgets the node named `name`; false if there is none.
  bool disconnect(const std::string& name);

  /// Every node, connected or gone.
  const std::vector<std::unique_ptr<node_link>>& all() const {
    return nodes_;
  }

  /// The node named `name`, or null.
  node_link* find(const std::string& name) const;

  /// The only node, or null when there is none or several.
  node_link* single() const;

  /// Resolves `text` (`REF` or `NODE:REF`) to its node: NODE names it;
  /// otherwise the only node, or the one node whose servers include REF
  /// (asking each within `timeout`). Errors: `retrylater` when no node has
  /// it, a clear message when several do or none is connected.
  caf::expected<target> resolve(const std::string& text,
                                std::chrono::milliseconds timeout);

private:
  caf::actor_system& sys_;
  std::string secret_;
  std::vector<std::unique_ptr<node_link>> nodes_;
};

} // namespace pss::repl
