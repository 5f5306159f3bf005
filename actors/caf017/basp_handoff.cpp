#include "caf017/basp_handoff.hpp"

#include <caf/atom.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/multiplexer.hpp>
#include <caf/io/scribe.hpp>
#include <caf/send.hpp>

#include "pss/errors.hpp"

namespace pss::caf017 {

namespace {

caf::actor basp_broker(caf::actor_system& sys) {
  // The middleman spawned it at start; this only looks it up.
  return sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
}

} // namespace

void adopt_as_node(caf::actor_system& sys, int fd, uint16_t port,
                   caf::strong_actor_ptr whom,
                   std::set<std::string> interface) {
  auto& mm = sys.middleman();
  auto basp = basp_broker(sys);
  mm.backend().post([&mm, basp, fd, port, whom = std::move(whom),
                     interface = std::move(interface)]() mutable {
    auto scribe = mm.backend().new_scribe(fd);
    caf::anon_send(basp, caf::publish_atom::value, std::move(scribe), port,
                   std::move(whom), std::move(interface));
  });
}

caf::expected<basp_peer> adopt_as_client(caf::scoped_actor& self, int fd,
                                         uint16_t port, caf::duration timeout) {
  auto& sys = self->system();
  auto scribe = sys.middleman().backend().new_scribe(fd);
  basp_peer result;
  caf::error err;
  self->request(basp_broker(sys), timeout, caf::connect_atom::value,
                std::move(scribe), port)
      .receive(
          [&](caf::node_id& node, caf::strong_actor_ptr& published,
              std::set<std::string>& interface) {
            result.node = std::move(node);
            result.published = std::move(published);
            result.interface = std::move(interface);
          },
          [&](caf::error& x) { err = std::move(x); });
  if (err)
    return err;
  return result;
}

} // namespace pss::caf017
