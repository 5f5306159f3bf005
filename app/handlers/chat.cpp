#include <caf/actor_system.hpp>
#include <caf/group.hpp>
#include <caf/io/broker.hpp>

#include "handlers.hpp"
#include "pss/atoms.hpp"

namespace pss::handlers {

handler chat() {
  handler result;
  result.summary = "line chat: every line goes to every session of the server";
  result.default_packet = packet_type::line;
  result.make_session = [](session& self) -> caf::behavior {
    auto actor = self.self();
    // The room lives in the server's actor system: with several I/O threads
    // (docs/io-threads.md) a server's sessions run in several systems, and a
    // local group is local to one.
    auto room = self.server().home_system().groups().get_local(
        "pss.chat/" + self.server_name());
    // Brokers lack CAF's join(); subscribe by hand and leave on exit, so
    // that the room never holds on to a session that has ended.
    auto* me = actor->ctrl();
    room->subscribe(me);
    actor->attach_functor([room, me] { room->unsubscribe(me); });
    // Members receive `(send_atom, line)`, which every session already
    // handles by sending the line to its peer.
    return {
        [&self, room](const packet& pkt) {
          self.send_to(room, send_atom::value, pkt.data);
        },
    };
  };
  return result;
}

} // namespace pss::handlers
