#include "host/session_host.hpp"

#include <caf/exit_reason.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/send.hpp>

#include "caf017/broker_cleanup.hpp"
#include "pss/atoms.hpp"
#include "server/listen_socket.hpp"
#include "session/session_broker.hpp"

namespace pss {

const char* session_host_state::name = "pss.session_host";

session_host_state::~session_host_state() {
  for (auto& entry : sessions)
    caf::anon_send_exit(entry.second.session, caf::exit_reason::user_shutdown);
}

namespace {

void adopt(session_host* self, adopt_request& req) {
  auto& st = self->state;
  auto& cfg = *req.config;
  auto fd = req.socket->fd();
  if (!cfg.options.nodelay)
    disable_nodelay(fd);
  auto peer = peer_of(fd);
  auto hdl = adopt_socket(self, *req.socket);
  // Reads start in this turn, as at the server's accept (server_broker.cpp:
  // a registration undone in its own turn would leak the socket).
  self->configure_read(
      hdl, caf::io::receive_policy::at_most(cfg.options.read_buffer));
  auto session = self->fork(start_child, hdl, req.config, peer,
                            handoff_cell::stats_of(req.cell));
  self->monitor(session);
  auto& server = cfg.server;
  if (st.servers.insert(server.address()).second)
    self->monitor(server);
  st.sessions.emplace(session.id(),
                      hosted_session{session, server, req.ticket, false});
  if (req.cell->publish(std::move(session), std::move(peer)))
    self->send(server, adopted_atom::value, req.ticket);
}

void on_down(session_host* self, const caf::down_msg& msg) {
  auto& st = self->state;
  // Ids are unique per actor system only: a server of another system may
  // share a session's id, so compare whole addresses.
  auto i = st.sessions.find(msg.source.id());
  if (i != st.sessions.end() && i->second.session.address() == msg.source) {
    // The session's cleanup is complete: this runs in a later turn of the
    // thread that ran it.
    if (!i->second.server_gone)
      self->send(i->second.server, session_ended_atom::value, i->second.ticket,
                 msg.reason);
    st.sessions.erase(i);
    return;
  }
  if (st.servers.erase(msg.source) == 0)
    return;
  // A server ended: its sessions end with it, including those whose
  // socket was on its way here when it stopped.
  for (auto& entry : st.sessions) {
    auto& hosted = entry.second;
    if (hosted.server.address() == msg.source) {
      hosted.server_gone = true;
      self->send_exit(hosted.session, caf::exit_reason::user_shutdown);
    }
  }
}

} // namespace

caf::behavior run_session_host(session_host* self, int) {
  drain_mailbox_on_exit(self);
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  return {
      [self](adopt_atom, adopt_request& req) { adopt(self, req); },
  };
}

} // namespace pss
