// A server with session hosts (pss::io_threads, N >= 2): the hosts accept
// on their own I/O threads, on duplicates of the server's listening socket,
// each after taking a slot of the one count they share with the server
// (`accept_share`); the server, on the home I/O thread, keeps the records,
// answers the operator and decides whether to accept at all. Why Max stays
// exact and the backlog keeps its order: docs/io-threads.md.

#include <fcntl.h>
#include <unistd.h>

#include <caf/exit_reason.hpp>

#include "host/session_host.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "server/server_broker.hpp"

namespace pss::server {

namespace {

// Sends `accept_again` to the hosts in `hosts_to_wake` (bit k: host k).
void wake_hosts(server_broker* self, uint32_t hosts_to_wake) {
  auto& st = self->state;
  for (size_t k = 0; k < st.hosts.size(); ++k)
    if ((hosts_to_wake & (uint32_t{1} << k)) != 0 && st.hosts[k].alive)
      self->send(st.hosts[k].host, accept_again_atom::value, self->address());
}

void add_child(server_broker* self, session_news& news) {
  auto& st = self->state;
  // After a drain's timeout every session is told to close, including one
  // whose news comes later.
  if (st.drain && st.drain->timed_out)
    self->send_exit(news.session, caf::exit_reason::user_shutdown);
  st.tally.started(news.active);
  note_descriptor(self, news.fd);
  st.children.emplace(news.ticket,
                      child_record{std::move(news.session),
                                   std::move(news.peer), news.started,
                                   std::move(news.stats), news.host});
}

// The hosts' news and, while the server drains, whether the last session
// is gone; answers `children` requests when nothing is in flight.
void on_news(server_broker* self) {
  auto& st = self->state;
  collect_news(self);
  if (st.drain && no_sessions(st))
    quit(self, caf::exit_reason::user_shutdown);
  answer_children_waiters(self);
}

// Whether every session counted has its news collected.
bool nothing_in_flight(const server_state& st) {
  return static_cast<int32_t>(st.children.size()) >= st.share->slots.num();
}

void finish_end(server_broker* self) {
  auto& st = self->state;
  if (st.listen_fd >= 0) {
    ::close(st.listen_fd);
    st.listen_fd = -1;
  }
  // News not read now never will be; the handles of sessions they hold
  // must not outlive this server (the registry keeps the share longer).
  st.share->take_news();
  st.unlisten_pending = 0;
  st.gate.quit(std::move(st.end_reason));
}

// Host `index` closed its copy of the listening socket (or ended).
void on_unlistened(server_broker* self, int index) {
  auto& st = self->state;
  auto& slot = st.hosts[static_cast<size_t>(index)];
  if (!slot.unlistening)
    return;
  slot.unlistening = false;
  if (--st.unlisten_pending == 0)
    finish_end(self);
}

} // namespace

void start_hosts(server_broker* self, int listen_fd,
                 const std::vector<caf::actor>& hosts) {
  auto& st = self->state;
  st.listen_fd = listen_fd;
  st.share = std::make_shared<accept_share>(st.max, st.config);
  st.share->descriptor_limit.store(st.descriptor_limit);
  std::atomic_store(&st.counters->share,
                    std::shared_ptr<const accept_share>{st.share});
  for (auto& host : hosts) {
    st.hosts.push_back(host_slot{host, true});
    self->monitor(host);
  }
  auto me = caf::actor_cast<caf::actor>(self);
  for (size_t k = 0; k < hosts.size(); ++k) {
    // A host that cannot get a copy of the socket does not accept; the
    // others do.
    int copy = ::fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      log(log_level::warning, st.config->server_name,
          "session host " + std::to_string(k + 1)
              + " does not accept: no descriptor for its listening socket");
      continue;
    }
    listen_request req{me, std::make_shared<handed_socket>(copy), st.share,
                       static_cast<int>(k), hosts};
    self->send(hosts[k], listen_atom::value, std::move(req));
  }
}

void collect_news(server_broker* self) {
  auto& st = self->state;
  if (!st.share)
    return;
  auto batch = st.share->take_news();
  if (batch.empty())
    return;
  for (auto& news : batch) {
    if (news.session)
      add_child(self, news);
    else
      end_child(self, news.ticket, news.reason);
  }
  // A start that ate into the descriptor reserve paused the watchdog after
  // an earlier end in this batch may have opened the count again.
  update_accepting(self);
}

void update_host_accepting(server_broker* self, bool accepting) {
  auto& st = self->state;
  wake_hosts(self, st.share->slots.set(st.max, accepting));
}

void answer_children_waiters(server_broker* self, bool all) {
  auto& st = self->state;
  if (st.children_waiters.empty() || (!all && !nothing_in_flight(st)))
    return;
  auto list = list_children(st);
  for (auto& rp : st.children_waiters)
    rp.deliver(list);
  st.children_waiters.clear();
}

caf::result<std::vector<child_info>> hosted_children(server_broker* self) {
  auto& st = self->state;
  collect_news(self);
  if (nothing_in_flight(st))
    return list_children(st);
  // A host is in the middle of a turn that took a slot (microseconds):
  // once each host answered, every session counted now has its news.
  auto rp = self->make_response_promise<std::vector<child_info>>();
  st.children_waiters.push_back(rp);
  auto waiting = std::make_shared<size_t>(0);
  for (auto& slot : st.hosts)
    if (slot.alive)
      ++*waiting;
  auto answered = [self, waiting] {
    if (--*waiting == 0) {
      collect_news(self);
      answer_children_waiters(self, true);
    }
  };
  for (auto& slot : st.hosts)
    if (slot.alive)
      self->request(slot.host, caf::infinite, sync_atom::value)
          .then([answered](caf::ok_atom) { answered(); },
                [answered](caf::error&) { answered(); });
  return rp;
}

void end_with_hosts(server_broker* self, caf::error reason) {
  auto& st = self->state;
  if (st.unlisten_pending >= 0)
    return;
  st.end_reason = std::move(reason);
  // No slot is taken from now on; each host closes its copy of the
  // listening socket, so that the port is free when the server is gone.
  st.share->slots.set(st.max, false);
  st.unlisten_pending = 0;
  auto me = caf::actor_cast<caf::actor>(self);
  for (size_t k = 0; k < st.hosts.size(); ++k) {
    auto& slot = st.hosts[k];
    if (slot.alive) {
      slot.unlistening = true;
      ++st.unlisten_pending;
      self->send(slot.host, unlisten_atom::value, me, static_cast<int>(k));
    }
  }
  if (st.unlisten_pending == 0)
    finish_end(self);
}

bool on_host_down(server_broker* self, const caf::down_msg& msg) {
  auto& st = self->state;
  int index = -1;
  for (size_t k = 0; k < st.hosts.size(); ++k)
    if (st.hosts[k].host.address() == msg.source)
      index = static_cast<int>(k);
  if (index < 0)
    return false;
  auto& slot = st.hosts[static_cast<size_t>(index)];
  if (!slot.alive)
    return true;
  slot.alive = false;
  log(log_level::warning, st.config->server_name,
      "session host " + std::to_string(index + 1) + " ended ("
          + describe(msg.reason) + "): its sessions are gone");
  // Its sessions ended with its actor system (whose end the host's end is
  // part of): their slots are free. News it queued come first.
  collect_news(self);
  std::vector<uint64_t> keys;
  for (auto& entry : st.children)
    if (entry.second.host == index)
      keys.push_back(entry.first);
  for (auto key : keys) {
    wake_hosts(self, st.share->slots.give_back());
    end_child(self, key, caf::exit_reason::user_shutdown);
  }
  st.share->loads[static_cast<size_t>(index)].store(0);
  on_unlistened(self, index);
  answer_children_waiters(self);
  update_accepting(self);
  return true;
}

caf::message_handler host_messages(server_broker* self) {
  return {
      [self](news_atom) { on_news(self); },
      [self](accept_failed_atom) {
        auto& st = self->state;
        if (!st.watchdog.in_shortage())
          log(log_level::warning, st.config->server_name,
              log_kind{"descriptors"},
              "out of file descriptors: pausing accepts until some are free");
        st.watchdog.accept_failed();
        update_accepting(self);
      },
      [self](unlistened_atom, int index) {
        if (index >= 0 && static_cast<size_t>(index) < self->state.hosts.size())
          on_unlistened(self, index);
      },
  };
}

} // namespace pss::server
