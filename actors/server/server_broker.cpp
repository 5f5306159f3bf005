#include "server/server_broker.hpp"

#include <unistd.h>

#include <caf/exit_reason.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/send.hpp>

#include "caf017/broker_cleanup.hpp"
#include "caf017/direct_scribe.hpp"
#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "server/descriptor_reserve.hpp"
#include "server/listen_socket.hpp"

namespace pss {

namespace server {

int32_t session_count(const server_state& st) {
  if (st.share)
    return st.share->slots.num();
  return static_cast<int32_t>(st.children.size());
}

bool no_sessions(const server_state& st) {
  return session_count(st) == 0 && st.children.empty();
}

bool may_serve(const server_state& st) {
  return session_count(st) < st.max && !st.suspended && !st.drain;
}

void note_descriptor(server_broker* self, int fd) {
  auto& st = self->state;
  // Descriptors are handed out lowest first, so a high one means few are
  // left: stop accepting before none are, so that the node's control
  // endpoint and the sessions still have some.
  if (fd < st.descriptor_limit - descriptor_reserve) {
    st.reserve_warned = false;
    st.watchdog.accepted();
    return;
  }
  if (!st.reserve_warned)
    log(log_level::warning, st.config->server_name,
        log_kind{"descriptor reserve"},
        "out of file descriptors soon (descriptor " + std::to_string(fd)
            + " of " + std::to_string(st.descriptor_limit) + ", "
            + std::to_string(descriptor_reserve)
            + " kept in reserve): pausing accepts until sessions end");
  st.reserve_warned = true;
  st.watchdog.reserve_reached();
}

namespace {

// Logs an unclean end and adds the session to the totals.
void count_end(server_broker* self, const caf::actor& session,
               const std::string& peer, const session_stats& stats,
               const caf::error& reason) {
  auto& st = self->state;
  if (!is_clean_exit(reason) && reason != caf::exit_reason::user_shutdown)
    // Each reason is a cause of its own: a flood of resets must not hide
    // the one session that timed out. A TLS failure's cause is OpenSSL's
    // reason (a small, fixed set): a scan of garbage handshakes must not
    // hide the client whose certificate no longer verifies.
    log(log_level::warning, st.config->server_name,
        log_kind{"session ended: "
                 + (reason == error::tls_failed
                        ? describe(reason)
                        : server_tally::reason_name(reason))},
        "session " + std::to_string(session.id()) + " (" + peer
            + ") ended: " + describe(reason));
  st.tally.ended(reason, stats.read());
}

} // namespace

void end_child(server_broker* self, uint64_t key, const caf::error& reason) {
  auto& st = self->state;
  auto i = st.children.find(key);
  if (i == st.children.end())
    return;
  auto& rec = i->second;
  count_end(self, rec.session, rec.peer, *rec.stats, reason);
  st.children.erase(i);
  // A descriptor was freed: if accepting was paused for lack of them, try.
  st.watchdog.retry_now();
  publish_counts(st);
  update_accepting(self);
  if (st.drain)
    on_drained_session(self);
}

void publish_counts(server_state& st) {
  st.counters->num.store(session_count(st), std::memory_order_relaxed);
  st.counters->max.store(st.max, std::memory_order_relaxed);
}

} // namespace server

namespace {

using server::may_serve;
using server::publish_counts;
using server::session_count;
using server::update_accepting;

void watch_accepting(server_broker* self) {
  auto& st = self->state;
  st.descriptor_limit = descriptor_limit();
  // The hosts' news wait for this timer unless the server asked for them
  // (or they pile up): they feed the watchdog as accepts here do.
  server::collect_news(self);
  if (st.share)
    st.share->descriptor_limit.store(st.descriptor_limit);
  auto queued = accept_queue_length(server::listen_fd_of(st));
  if (st.doorman != caf::io::accept_handle{}
      && take_accept_failure(self, st.doorman)) {
    // The doorman left the loop by itself at a failed accept.
    st.gate.paused_by_socket();
    if (!st.watchdog.in_shortage())
      log(log_level::warning, st.config->server_name, log_kind{"descriptors"},
          "out of file descriptors: pausing accepts until some are free");
    st.watchdog.accept_failed();
  }
  if (st.watchdog.check(session_count(st) < st.max, queued)
      && st.watchdog.shortage_began())
    log(log_level::warning, st.config->server_name, log_kind{"accept stalled"},
        std::to_string(queued)
            + " clients wait but none can be accepted (out of file "
              "descriptors?): pausing accepts and retrying");
  update_accepting(self);
  self->delayed_send(self, accept_watchdog::interval, watch_atom::value);
}

void start_session(server_broker* self, caf::io::connection_handle hdl) {
  auto& st = self->state;
  // In CAF's default multiplexer a connection handle's id is its socket.
  auto fd = static_cast<int>(hdl.id());
  // CAF turns TCP_NODELAY on for every socket it reads; the rare server
  // that wants Nagle's algorithm turns it off again.
  if (!st.config->options.nodelay)
    disable_nodelay(fd);
  auto peer = peer_of(fd);
  auto stats = std::make_shared<session_stats>();
  // Starts reading now, in the accept's I/O-loop turn, not in the session's
  // first turn: CAF 0.17 cancels a socket registration that is undone in
  // the turn that made it, and then leaks the socket's I/O object. A session
  // that ends (or pauses reading) at once would do exactly that.
  self->configure_read(
      hdl, caf::io::receive_policy::at_most(st.config->options.read_buffer));
  auto child = self->fork(start_child, hdl, st.config, peer, stats);
  server::note_descriptor(self, fd);
  self->monitor(child);
  st.children.emplace(child.id(), child_record{child, std::move(peer),
                                               std::chrono::steady_clock::now(),
                                               std::move(stats), -1});
  st.tally.started(session_count(st));
  publish_counts(st);
}

void on_new_connection(server_broker* self, caf::io::connection_handle hdl) {
  auto& st = self->state;
  if (st.gate.quitting() || st.drain) {
    self->close(hdl);
    return;
  }
  if (may_serve(st) && st.waiting.empty()) {
    start_session(self, hdl);
  } else {
    self->halt(hdl);
    st.waiting.push_back(hdl);
  }
  update_accepting(self);
}

void on_session_down(server_broker* self, const caf::down_msg& msg) {
  auto& children = self->state.children;
  auto i = children.find(msg.source.id());
  // Only sessions forked here are keyed by actor id (and monitored).
  if (i != children.end() && i->second.host < 0)
    server::end_child(self, msg.source.id(), msg.reason);
}

} // namespace

namespace server {

int listen_fd_of(const server_state& st) {
  return st.share ? st.listen_fd : static_cast<int>(st.doorman.id());
}

void update_accepting(server_broker* self) {
  auto& st = self->state;
  while (may_serve(st) && !st.waiting.empty()) {
    auto hdl = st.waiting.front();
    st.waiting.pop_front();
    start_session(self, hdl);
  }
  publish_counts(st);
  // With session hosts the count is theirs to check at each accept: here
  // only whether to accept at all.
  auto accepting
      = (st.share ? !st.suspended && !st.drain && !st.ending() : may_serve(st))
        && !st.watchdog.paused();
  // In a shortage, a retry is worth an accept only with descriptors to
  // spare: asking the kernel costs two system calls, a failed accept one,
  // but a failed accept takes the acceptor out of the loop again (and a
  // success would eat the reserve).
  if (accepting && st.watchdog.in_shortage())
    accepting = descriptors_to_spare(listen_fd_of(st), st.descriptor_limit);
  if (st.share)
    update_host_accepting(self, accepting);
  else
    st.gate.set_active(accepting);
}

} // namespace server

server_state::~server_state() {
  for (auto& entry : children)
    caf::anon_send_exit(entry.second.session, caf::exit_reason::user_shutdown);
  // A server killed without its end (its hosts close their copies when
  // they see it gone).
  if (listen_fd >= 0)
    ::close(listen_fd);
  if (share)
    share->take_news();
}

caf::behavior cold_start(server_broker* self, cold_start_args args) {
  drain_mailbox_on_exit(self);
  auto& st = self->state;
  auto cfg = std::make_shared<session_config>();
  cfg->server_name = args.name;
  cfg->server = caf::actor_cast<caf::actor>(self);
  cfg->packet = args.packet;
  cfg->packet_limit = effective_packet_limit(args.packet, args.packet_size);
  cfg->options = args.options;
  cfg->fun = std::move(args.fun);
  cfg->tls = std::move(args.tls);
  cfg->tls_handshake_timeout_ms = args.tls_handshake_timeout_ms;
  st.config = std::move(cfg);
  st.counters = std::move(args.counters);
  st.port = args.port;
  st.max = args.max;
  st.started = std::chrono::steady_clock::now();
  st.descriptor_limit = descriptor_limit();
  st.parent = std::move(args.parent);
  // Accepted connections inherit these from the listening socket.
  tune_listener(args.listen_fd, args.options.nodelay, args.options.keepalive);
  // With session hosts they accept, each on its own I/O thread, and the
  // server has no doorman (docs/io-threads.md); without, a doorman here.
  if (args.hosts.empty()) {
    st.doorman = add_direct_doorman(self, args.listen_fd);
    st.gate.init(self, st.doorman, true);
  } else {
    st.gate.init(self, st.doorman, false);
    server::start_hosts(self, args.listen_fd, args.hosts);
  }
  publish_counts(st);
  if (st.parent)
    self->monitor(st.parent);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.parent && msg.source == st.parent) {
      log(log_level::info, st.config->server_name,
          "parent ended (" + describe(msg.reason) + "): stopping");
      server::quit(self, caf::exit_reason::user_shutdown);
      return;
    }
    if (!st.hosts.empty() && server::on_host_down(self, msg))
      return;
    on_session_down(self, msg);
  });
  // Stop requests arrive as exit messages; the gate ends the server once its
  // doorman is settled in the I/O loop.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (msg.reason)
      server::quit(self, std::move(msg.reason));
  });
  self->delayed_send(self, accept_watchdog::interval, watch_atom::value);
  log(log_level::info, st.config->server_name,
      "listening on port " + std::to_string(st.port) + ", max "
          + std::to_string(st.max) + ", packet " + to_string(args.packet));
  caf::message_handler life{
      [self](const caf::io::new_connection_msg& msg) {
        on_new_connection(self, msg.handle);
      },
      [self](const caf::io::connection_closed_msg& msg) {
        // Only connections still waiting for a slot belong to the server.
        auto& waiting = self->state.waiting;
        waiting.erase(std::remove(waiting.begin(), waiting.end(), msg.handle),
                      waiting.end());
      },
      [](const caf::io::new_data_msg&) {
        // Waiting connections are halted; nothing to read here.
      },
      [self](const caf::io::acceptor_closed_msg&) {
        log(log_level::error, self->state.config->server_name,
            "listening socket closed: stopping");
        server::quit(self, caf::make_error(error::bind_failed,
                                           "listening socket closed"));
      },
      [self](settle_atom) { self->state.gate.on_settled(); },
      [self](watch_atom) { watch_accepting(self); },
  };
  return life.or_else(server::host_messages(self))
      .or_else(server::operations(self));
}

} // namespace pss
