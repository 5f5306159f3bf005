#pragma once

#include <cstdint>
#include <set>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/node_id.hpp>
#include <caf/scoped_actor.hpp>

#include "caf_duration.hpp"

/// Hands connected sockets to CAF 0.17's BASP broker, the actor behind
/// `middleman::publish` and `remote_actor`, so that pss decides who gets a
/// BASP connection at all (control/front_door.hpp).
///
/// Leans on CAF 0.17.6 internals (basp_broker.cpp): the broker is the named
/// broker "BASP"; `(publish_atom, scribe_ptr, port, whom, sigs)` makes it
/// adopt a connection as the server side (it registers `whom` as published
/// at `port` and sends its server handshake); `(connect_atom, scribe_ptr,
/// port)` makes it adopt one as the client side and answers with the
/// node, the published actor and its interface once the server's handshake
/// arrived. tests/caf017_test.cpp fails if either changes.
namespace pss::caf017 {

/// What a node published at the port a client connected to.
struct basp_peer {
  caf::node_id node;
  caf::strong_actor_ptr published;
  std::set<std::string> interface;
};

/// Gives `fd` (connected, owned by the caller until now) to the BASP broker
/// of `sys` as the node's side, announcing `whom` (with `interface`) as the
/// actor published at `port`. Thread-safe: the socket is wrapped in the I/O
/// loop.
void adopt_as_node(caf::actor_system& sys, int fd, uint16_t port,
                   caf::strong_actor_ptr whom, std::set<std::string> interface);

/// Gives `fd` (connected, owned by the caller until now; whatever happens,
/// CAF owns it afterwards) to the BASP broker of `self`'s system as the
/// client's side and waits up to `timeout` for the node's handshake.
caf::expected<basp_peer> adopt_as_client(caf::scoped_actor& self, int fd,
                                         uint16_t port, caf::duration timeout);

} // namespace pss::caf017
