#include "control/control_client.hpp"

#include <caf/event_based_actor.hpp>

#include "pss/atoms.hpp"
#include "pss/errors.hpp"
#include "pss/options.hpp"
#include "pss/session.hpp"

namespace pss {

namespace {

caf::behavior control_client(caf::event_based_actor* self, caf::actor gate) {
  self->monitor(gate);
  self->set_down_handler([self, gate](caf::down_msg& msg) {
    if (msg.source == gate.address())
      self->quit(msg.reason);
  });
  self->set_default_handler(
      [self, gate](caf::scheduled_actor*,
                   caf::message_view& x) -> caf::result<caf::message> {
        auto request = x.move_content_to_message();
        if (request.match_elements<caf::atom_value, server_spec,
                                   session_function>())
          return caf::make_error(error::invalid_argument,
                                 "a session function cannot travel to another "
                                 "node: start a handler by name");
        self->delegate(gate, auth_atom::value, std::move(request));
        return caf::delegated<caf::message>{};
      });
  // The default handler does the work; CAF 0.17 ends an actor whose
  // behavior is empty, and an envelope a caller made itself goes through
  // as it is.
  return {
      [self, gate](auth_atom, caf::message& request) {
        self->delegate(gate, auth_atom::value, std::move(request));
        return caf::delegated<caf::message>{};
      },
  };
}

} // namespace

caf::actor spawn_control_client(caf::actor_system& sys, caf::actor gate) {
  return sys.spawn(control_client, std::move(gate));
}

} // namespace pss
