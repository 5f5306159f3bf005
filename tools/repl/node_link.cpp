#include "node_link.hpp"

#include <chrono>

#include <caf/after.hpp>
#include <set>

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "pss/errors.hpp"

namespace pss::repl {

node_link::node_link(caf::actor_system& sys) : sys_(sys) {
  // nop
}

caf::error node_link::connect(const std::string& host, uint16_t port,
                              std::chrono::milliseconds timeout) {
  // Asks the middleman directly rather than through remote_actor(), which
  // waits forever for a node that accepts the connection but never answers.
  caf::scoped_actor self{sys_};
  caf::strong_actor_ptr found;
  caf::error err;
  self->request(sys_.middleman().actor_handle(), timeout,
                caf::connect_atom::value, host, port)
      .receive([&](const caf::node_id&, caf::strong_actor_ptr& ptr,
                   const std::set<std::string>&) { found = std::move(ptr); },
               [&](caf::error& x) { err = std::move(x); });
  if (err == caf::sec::request_timeout)
    return caf::make_error(error::timeout, "no answer from " + host + ":"
                                               + std::to_string(port));
  if (err)
    return err;
  if (!found)
    return caf::make_error(caf::sec::no_actor_published_at_port);
  registry_ = caf::actor_cast<registry_actor>(std::move(found));
  address_ = host + ":" + std::to_string(port);
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
