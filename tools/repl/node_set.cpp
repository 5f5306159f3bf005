#include "node_set.hpp"

#include "pss/errors.hpp"
#include "pss/proc_socket_server.hpp"

namespace pss::repl {

namespace {

bool has_server(const std::vector<server_info>& servers,
                const server_ref& ref) {
  for (auto& info : servers) {
    if (auto name = ref.name(); name != nullptr && *name == info.name)
      return true;
    if (auto port = ref.port(); port != nullptr && *port == info.port)
      return true;
  }
  return false;
}

} // namespace

node_set::node_set(caf::actor_system& sys, std::string secret)
    : sys_(sys), secret_(std::move(secret)) {
  // nop
}

caf::expected<node_link*> node_set::connect(const std::string& host,
                                            uint16_t port,
                                            std::chrono::milliseconds timeout) {
  auto name = host + ":" + std::to_string(port);
  auto node = find(name);
  std::unique_ptr<node_link> fresh;
  if (node == nullptr) {
    fresh.reset(new node_link(sys_, secret_));
    node = fresh.get();
  }
  if (auto err = node->connect(host, port, timeout))
    return err;
  if (fresh)
    nodes_.push_back(std::move(fresh));
  return node;
}

bool node_set::disconnect(const std::string& name) {
  for (auto i = nodes_.begin(); i != nodes_.end(); ++i) {
    if ((*i)->address() == name) {
      nodes_.erase(i);
      return true;
    }
  }
  return false;
}

node_link* node_set::find(const std::string& name) const {
  for (auto& node : nodes_)
    if (node->address() == name)
      return node.get();
  return nullptr;
}

node_link* node_set::single() const {
  return nodes_.size() == 1 ? nodes_.front().get() : nullptr;
}

caf::expected<target> node_set::resolve(const std::string& text,
                                        std::chrono::milliseconds timeout) {
  // NODE:REF, where NODE is itself HOST:PORT: split at the last colon, and
  // only when what is before it names a node (a name may hold colons).
  auto colon = text.rfind(':');
  if (colon != std::string::npos && colon + 1 < text.size())
    if (auto node = find(text.substr(0, colon)))
      return target{node, parse_server_ref(text.substr(colon + 1))};
  auto ref = parse_server_ref(text);
  if (nodes_.empty())
    return caf::make_error(error::invalid_argument,
                           "not connected (connect HOST:PORT)");
  if (auto node = single())
    return target{node, std::move(ref)};
  std::vector<node_link*> holders;
  for (auto& node : nodes_) {
    if (!node->connected())
      continue;
    auto servers = list_servers(node->registry(), timeout);
    if (servers && has_server(*servers, ref))
      holders.push_back(node.get());
  }
  if (holders.empty())
    return caf::make_error(error::retrylater,
                           "no connected node has " + to_string(ref));
  if (holders.size() > 1) {
    std::string names;
    for (auto node : holders)
      names += (names.empty() ? "" : ", ") + node->address();
    return caf::make_error(error::invalid_argument,
                           text + " is on several nodes (" + names
                               + "): say NODE:" + text);
  }
  return target{holders.front(), std::move(ref)};
}

} // namespace pss::repl
