// A session host accepts for the servers of its node on its own I/O thread
// and runs their sessions there. How the hosts of one server share its
// listening socket and keep its Max exact: docs/io-threads.md.

#include "host/session_host.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <caf/exit_reason.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/send.hpp>

#include "caf017/broker_cleanup.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "server/descriptor_reserve.hpp"
#include "server/listen_socket.hpp"
#include "session/session_broker.hpp"

namespace pss {

const char* session_host_state::name = "pss.session_host";

session_host_state::~session_host_state() {
  for (auto& entry : sessions)
    caf::anon_send_exit(entry.second.session, caf::exit_reason::user_shutdown);
  for (auto& entry : listeners)
    if (entry.second.watch)
      close_listen_watch(std::move(entry.second.watch), nullptr);
}

namespace {

// Accepts at most this many clients per wake-up: a burst of clients costs
// fewer loop turns (crr 32 measured 13% more connections/s than one per
// wake-up, tools/bench/RESULTS.md), while one thread still cannot take a
// long burst from another that the kernel woke for it.
constexpr int accept_burst = 4;

// The highest bits of a ticket count, the lowest name the host.
constexpr unsigned ticket_host_bits = 5;
static_assert(session_slots::max_hosts <= (1 << ticket_host_bits));

host_listener* find_listener(session_host* self,
                             const caf::actor_addr& server) {
  auto& listeners = self->state.listeners;
  auto i = listeners.find(server);
  return i == listeners.end() ? nullptr : &i->second;
}

host_listener* find_listener(session_host* self, const listen_watch* watch) {
  for (auto& entry : self->state.listeners)
    if (entry.second.watch.get() == watch)
      return &entry.second;
  return nullptr;
}

// Resumes the paused acceptors in `hosts_to_wake` (bit k: host k): this
// host's at once, the others by a message (only at Max or a change of the
// server's state: never per connection while slots are free).
void wake(session_host* self, host_listener& l, uint32_t hosts_to_wake) {
  for (size_t k = 0; k < l.hosts.size(); ++k) {
    if ((hosts_to_wake & (uint32_t{1} << k)) == 0)
      continue;
    if (static_cast<int>(k) == l.index) {
      if (l.watch)
        l.watch->resume();
    } else if (auto host = caf::actor_cast<caf::actor>(l.hosts[k])) {
      self->send(host, accept_again_atom::value, l.server.address());
    }
  }
}

// Tells the server that news wait for it.
void notify(session_host* self, host_listener& l) {
  self->send(l.server, news_atom::value);
}

// Gives a slot back (a session's cleanup is done, or an accept found
// nobody), waking paused acceptors and a server that waits for the count.
void give_back(session_host* self, host_listener& l) {
  wake(self, l, l.share->slots.give_back());
}

// The least number of this server's sessions on any other host.
int32_t least_other_load(const host_listener& l) {
  int32_t least = INT32_MAX;
  for (size_t k = 0; k < l.hosts.size(); ++k)
    if (static_cast<int>(k) != l.index)
      least = std::min(least, l.share->loads[k].load());
  return least;
}

void start_session(session_host* self, host_listener& l, int fd,
                   int32_t active) {
  auto& st = self->state;
  handed_socket sock{fd};
  auto cfg = l.share->config();
  // CAF turns TCP_NODELAY on for every socket it reads; the rare server
  // that wants Nagle's algorithm turns it off again.
  if (!cfg->options.nodelay)
    disable_nodelay(fd);
  auto peer = peer_of(fd);
  auto hdl = adopt_socket(self, sock);
  // Starts reading now, in the accept's turn, not in the session's first:
  // CAF 0.17 cancels a socket registration that is undone in the turn
  // that made it, and then leaks the socket's I/O object.
  self->configure_read(
      hdl, caf::io::receive_policy::at_most(cfg->options.read_buffer));
  auto stats = std::make_shared<session_stats>();
  auto session = self->fork(start_child, hdl, cfg, peer, stats);
  self->monitor(session);
  auto ticket
      = (++l.last_ticket << ticket_host_bits) | static_cast<uint64_t>(l.index);
  st.sessions.emplace(session.id(),
                      hosted_session{session, l.server.address(), ticket});
  l.share->loads[static_cast<size_t>(l.index)].fetch_add(1);
  auto limit = l.share->descriptor_limit.load(std::memory_order_relaxed);
  bool reserve_hit = limit > 0 && fd >= limit - descriptor_reserve;
  // No host accepts from now on until the server, told below, decides when
  // to try again: the descriptors left are the process's reserve.
  if (reserve_hit)
    l.share->slots.close();
  session_news news;
  news.ticket = ticket;
  news.host = l.index;
  news.session = std::move(session);
  news.peer = std::move(peer);
  news.stats = std::move(stats);
  news.started = std::chrono::steady_clock::now();
  news.active = active;
  news.fd = fd;
  if (l.share->post(std::move(news)) || reserve_hit)
    notify(self, l);
}

// Whether `err`, from accept4, means the process is out of descriptors.
bool out_of_descriptors(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

// The listening socket has clients waiting (or failed): accepts while
// slots are free, each after taking its slot.
void on_listen_ready(session_host* self, listen_watch* watch) {
  auto* l = find_listener(self, watch);
  if (l == nullptr || !l->watch)
    return;
  auto& slots = l->share->slots;
  bool accepted = false;
  for (int n = 0; n < accept_burst;) {
    auto active = slots.try_take();
    if (active == 0) {
      if (!slots.pause(l->index))
        continue; // a slot was freed meanwhile
      watch->pause();
      break;
    }
    int fd = ::accept4(watch->fd(), nullptr, nullptr,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      auto err = errno;
      give_back(self, *l);
      if (l->share->wants_news())
        notify(self, *l);
      if (err == EINTR || err == ECONNABORTED)
        continue;
      if (err == EAGAIN || err == EWOULDBLOCK)
        break;
      // Out of descriptors, or the socket no longer listens: the server
      // decides when to try again (its accept watchdog) and wakes us then.
      watch->pause();
      slots.mark_paused(l->index);
      if (out_of_descriptors(err))
        self->send(l->server, accept_failed_atom::value);
      else
        log(log_level::error, l->share->config()->server_name,
            "accept failed: " + std::string{std::strerror(err)});
      break;
    }
    start_session(self, *l, fd, active);
    accepted = true;
    ++n;
  }
  // Of the threads asleep, the kernel wakes the one that registered first:
  // one that holds more sessions than another thread steps back.
  if (accepted && l->watch->listening()
      && l->share->loads[static_cast<size_t>(l->index)].load()
             > least_other_load(*l)) {
    l->watch->step_back();
    // Not registered again (the kernel was out of memory): wait for the
    // server or a freed slot to wake it, as after any pause.
    if (!l->watch->listening())
      slots.mark_paused(l->index);
  }
}

void on_listen(session_host* self, listen_request& req) {
  auto& st = self->state;
  auto mpx
      = dynamic_cast<caf::io::network::default_multiplexer*>(&self->backend());
  if (mpx == nullptr || !req.server)
    return; // the socket closes with the request
  auto key = req.server.address();
  host_listener l;
  l.server = req.server;
  l.share = std::move(req.share);
  l.index = req.index;
  for (auto& host : req.hosts)
    l.hosts.push_back(host.address());
  l.watch = std::make_unique<listen_watch>(*mpx, req.socket->release(), self);
  self->monitor(l.server);
  auto& added = st.listeners[key] = std::move(l);
  // Takes a slot before listening, as after every pause: the server may
  // be at Max already.
  if (!added.share->slots.pause(added.index))
    added.watch->resume();
}

// The server stops: close this host's copy of its listening socket, then
// tell it (its port is free once every copy is closed).
void on_unlisten(session_host* self, const caf::actor& server, int index) {
  auto* l = find_listener(self, server.address());
  if (l == nullptr || !l->watch) {
    self->send(server, unlistened_atom::value, index);
    return;
  }
  close_listen_watch(std::move(l->watch), [server, index] {
    caf::anon_send(server, unlistened_atom::value, index);
  });
}

void on_session_down(
    session_host* self,
    std::unordered_map<caf::actor_id, hosted_session>::iterator i,
    const caf::error& reason) {
  auto& st = self->state;
  auto hosted = std::move(i->second);
  st.sessions.erase(i);
  auto* l = find_listener(self, hosted.server);
  if (l == nullptr)
    return; // the server ended: nobody to tell
  // The session's cleanup is complete: this runs in a later turn of the
  // thread that ran it. Only now may another session take its slot; its
  // news goes first, so that the server never lists more sessions than
  // Max (a new session's news can only follow the slot given back).
  l->share->loads[static_cast<size_t>(l->index)].fetch_sub(1);
  session_news news;
  news.ticket = hosted.ticket;
  news.host = l->index;
  news.reason = reason;
  bool tell = l->share->post(std::move(news));
  give_back(self, *l);
  if (tell || l->share->wants_news())
    notify(self, *l);
}

void on_down(session_host* self, const caf::down_msg& msg) {
  auto& st = self->state;
  // Ids are unique per actor system only: a server of another system may
  // share a session's id, so compare whole addresses.
  auto i = st.sessions.find(msg.source.id());
  if (i != st.sessions.end() && i->second.session.address() == msg.source) {
    on_session_down(self, i, msg.reason);
    return;
  }
  auto l = st.listeners.find(msg.source);
  if (l == st.listeners.end())
    return;
  // A server ended: stop accepting for it (if it did not ask before) and
  // end its sessions.
  if (l->second.watch)
    close_listen_watch(std::move(l->second.watch), nullptr);
  st.listeners.erase(l);
  for (auto& entry : st.sessions)
    if (entry.second.server == msg.source)
      self->send_exit(entry.second.session, caf::exit_reason::user_shutdown);
}

} // namespace

caf::behavior run_session_host(session_host* self, int) {
  drain_mailbox_on_exit(self);
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  return {
      [self](listen_atom, listen_request& req) { on_listen(self, req); },
      [self](unlisten_atom, const caf::actor& server, int index) {
        on_unlisten(self, server, index);
      },
      [self](const listen_ready_msg& msg) { on_listen_ready(self, msg.watch); },
      [self](accept_again_atom, const caf::actor_addr& server) {
        if (auto* l = find_listener(self, server); l && l->watch)
          l->watch->resume();
      },
      [](sync_atom) { return caf::ok_atom::value; },
  };
}

} // namespace pss
