// A server with session hosts (pss::io_threads, N >= 2): it accepts and
// counts here, on the home I/O thread, and hands every accepted socket to a
// session host of another I/O thread, which forks the session there. Why Max
// stays exact and how every failure closes the socket: docs/io-threads.md.

#include <algorithm>

#include <caf/exit_reason.hpp>

#include "host/session_host.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "server/server_broker.hpp"

namespace pss::server {

namespace {

// The live host with the fewest of this server's sessions, the first at
// or after `next_host` among equals (round-robin over ties); -1 if none.
int pick_host(server_state& st) {
  auto count = st.hosts.size();
  int best = -1;
  for (size_t n = 0; n < count; ++n) {
    auto k = (st.next_host + n) % count;
    auto& slot = st.hosts[k];
    if (slot.alive
        && (best < 0 || slot.load < st.hosts[static_cast<size_t>(best)].load))
      best = static_cast<int>(k);
  }
  if (best >= 0)
    st.next_host = static_cast<size_t>(best) + 1;
  return best;
}

// Takes a slot for `sock` and sends it to a host.
void hand_off(server_broker* self, handed_socket_ptr sock) {
  auto& st = self->state;
  auto fd = sock->fd();
  auto k = pick_host(st);
  if (k < 0)
    return; // no thread left to run it (the node is ending): closed
  auto& slot = st.hosts[static_cast<size_t>(k)];
  auto ticket = ++st.last_ticket;
  auto cell = std::make_shared<handoff_cell>();
  st.handed.emplace(ticket,
                    handoff_record{k, std::chrono::steady_clock::now(), cell});
  ++slot.load;
  note_descriptor(self, fd);
  // Counted before the host can see it: the session may answer its peer
  // before this turn ends, and `servers` (which reads the published
  // counts) must already show it then.
  publish_counts(st);
  adopt_request req{ticket, std::move(sock), st.config, std::move(cell)};
  self->send(slot.host, adopt_atom::value, std::move(req));
  st.tally.started(session_count(st));
}

// Moves a handed session whose host published it to `children`. After a
// drain's timeout every session is told to close, whichever look finds it
// published first.
void to_children(server_broker* self,
                 std::unordered_map<uint64_t, handoff_record>::iterator i) {
  auto& st = self->state;
  auto& rec = i->second;
  if (st.drain && st.drain->timed_out)
    self->send_exit(rec.cell->session(), caf::exit_reason::user_shutdown);
  st.children.emplace(i->first,
                      child_record{rec.cell->session(), rec.cell->peer(),
                                   rec.started,
                                   handoff_cell::stats_of(rec.cell), rec.host});
  st.handed.erase(i);
}

// The host published a session the server had asked about.
void on_adopted(server_broker* self, uint64_t ticket) {
  auto& st = self->state;
  // Not found: a later look moved it to `children` already (a waiter
  // counting on it may still wait: answer below), or its host is gone.
  if (auto i = st.handed.find(ticket); i != st.handed.end())
    to_children(self, i);
  answer_children_waiters(self);
}

} // namespace

void on_accepted_socket(server_broker* self, handed_socket_ptr sock) {
  auto& st = self->state;
  if (st.gate.quitting() || st.drain)
    return; // closed with `sock`
  if (may_serve(st) && st.waiting_sockets.empty())
    hand_off(self, std::move(sock));
  else
    st.waiting_sockets.push_back(std::move(sock));
  update_accepting(self);
}

void serve_waiting_sockets(server_broker* self) {
  auto& st = self->state;
  while (may_serve(st) && !st.waiting_sockets.empty()) {
    auto sock = std::move(st.waiting_sockets.front());
    st.waiting_sockets.pop_front();
    hand_off(self, std::move(sock));
  }
}

bool on_host_down(server_broker* self, const caf::down_msg& msg) {
  auto& st = self->state;
  int index = -1;
  for (size_t k = 0; k < st.hosts.size(); ++k)
    if (st.hosts[k].host.address() == msg.source)
      index = static_cast<int>(k);
  if (index < 0)
    return false;
  log(log_level::warning, st.config->server_name,
      "session host " + std::to_string(index + 1) + " ended ("
          + describe(msg.reason) + "): its sessions are gone");
  // Its sessions and the sockets on their way there ended with its actor
  // system (whose end the host's end is part of): their slots are free.
  auto& slot = st.hosts[static_cast<size_t>(index)];
  slot.alive = false;
  for (auto i = st.handed.begin(); i != st.handed.end();) {
    if (i->second.host == index) {
      --slot.load;
      i = st.handed.erase(i);
    } else {
      ++i;
    }
  }
  std::vector<uint64_t> keys;
  for (auto& entry : st.children)
    if (entry.second.host == index)
      keys.push_back(entry.first);
  for (auto key : keys)
    end_child(self, key, caf::exit_reason::user_shutdown);
  answer_children_waiters(self);
  publish_counts(st);
  update_accepting(self);
  return true;
}

void collect_handed(server_broker* self) {
  auto& st = self->state;
  for (auto i = st.handed.begin(); i != st.handed.end();) {
    auto next = std::next(i);
    if (i->second.cell->adopted_or_want())
      to_children(self, i);
    i = next;
  }
}

void answer_children_waiters(server_broker* self, bool all) {
  auto& st = self->state;
  if (st.children_waiters.empty())
    return;
  collect_handed(self);
  // The oldest ticket not yet published; waiters that came before it have
  // every session they counted listed (or ended).
  auto oldest = st.last_ticket + 1;
  for (auto& entry : st.handed)
    oldest = std::min(oldest, entry.first);
  auto& waiters = st.children_waiters;
  auto ready = [&](const auto& waiter) { return all || waiter.first < oldest; };
  if (std::none_of(waiters.begin(), waiters.end(), ready))
    return;
  auto list = list_children(st);
  for (auto& waiter : waiters)
    if (ready(waiter))
      waiter.second.deliver(list);
  waiters.erase(std::remove_if(waiters.begin(), waiters.end(), ready),
                waiters.end());
}

caf::message_handler handoff(server_broker* self) {
  return {
      [self](accepted_socket_msg& msg) {
        on_accepted_socket(self, std::move(msg.socket));
      },
      [self](adopted_atom, uint64_t ticket) { on_adopted(self, ticket); },
      [self](session_ended_atom, uint64_t ticket, const caf::error& reason) {
        end_child(self, ticket, reason);
      },
  };
}

} // namespace pss::server
