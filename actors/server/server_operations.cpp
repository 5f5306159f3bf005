// The requests an operator sends a running server (through the registry):
// its status and sessions, and the live operations that change how it
// accepts: set_max, suspend, resume, drain; and reload_tls. Its life
// (accepting, sessions coming and going) is in server_broker.cpp.

#include <algorithm>
#include <chrono>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "pss/atoms.hpp"
#include "pss/log.hpp"
#include "server/listen_socket.hpp"
#include "server/server_broker.hpp"

namespace pss::server {

namespace {

uint64_t ms_since(std::chrono::steady_clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - since)
          .count());
}

} // namespace

std::vector<child_info> list_children(const server_state& st) {
  std::vector<child_info> result;
  result.reserve(st.children.size());
  for (auto& entry : st.children) {
    auto& rec = entry.second;
    child_info info;
    info.session = rec.session;
    info.id = rec.session.id();
    // A hosted session's handle names its own actor system's node. CAF
    // registers an actor for lookups by id from other nodes when its own
    // system's middleman serializes the handle; this one leaves through the
    // home system's, so register it (once; CAF removes it at the end).
    if (rec.host >= 0)
      rec.session->home_system().registry().put(rec.session.id(), rec.session);
    info.peer = rec.peer;
    info.age_ms = ms_since(rec.started);
    auto traffic = rec.stats->read();
    info.bytes_in = traffic.bytes_in;
    info.bytes_out = traffic.bytes_out;
    info.packets_in = traffic.packets_in;
    info.packets_out = traffic.packets_out;
    result.push_back(std::move(info));
  }
  std::sort(
      result.begin(), result.end(),
      [](const child_info& x, const child_info& y) { return x.id < y.id; });
  return result;
}

namespace {

// Clients connected but not served: the odd straggler the server holds
// plus those in the kernel's listen backlog.
int32_t waiting_clients(const server_state& st) {
  auto queued = accept_queue_length(listen_fd_of(st));
  return static_cast<int32_t>(st.waiting.size() + queued);
}

// The totals of ended sessions plus the live ones' traffic so far.
server_totals make_totals(const server_state& st) {
  auto result = st.tally.totals();
  result.name = st.config->server_name;
  result.port = st.port;
  result.uptime_ms = ms_since(st.started);
  result.max = st.max;
  result.active = session_count(st);
  result.waiting = waiting_clients(st);
  for (auto& entry : st.children)
    server_tally::add_traffic(result, entry.second.stats->read());
  result.suspended = st.suspended;
  result.draining = static_cast<bool>(st.drain);
  return result;
}

caf::result<status> set_max(server_broker* self, int32_t max) {
  auto& st = self->state;
  if (max < 1)
    return caf::make_error(error::invalid_argument,
                           "max must be at least 1, not "
                               + std::to_string(max));
  if (max != st.max)
    log(log_level::info, st.config->server_name,
        "max " + std::to_string(st.max) + " -> " + std::to_string(max));
  st.max = max;
  // Raising the limit serves waiting clients at once; lowering it cuts no
  // session, the server only stops accepting until sessions drop below.
  update_accepting(self);
  return status{session_count(st), st.max};
}

caf::ok_atom set_suspended(server_broker* self, bool suspended) {
  auto& st = self->state;
  if (st.suspended != suspended)
    log(log_level::info, st.config->server_name,
        suspended ? "suspended: clients wait in the backlog" : "resumed");
  st.suspended = suspended;
  update_accepting(self);
  return caf::ok_atom::value;
}

// Sessions keep the configuration they started with (and so their TLS
// context); sessions accepted from now on get a copy with the new one. The
// old context goes when the last session holding it ends.
caf::ok_atom reload_tls(server_broker* self, tls_context_ptr tls) {
  auto& st = self->state;
  auto cfg = std::make_shared<session_config>(*st.config);
  cfg->tls = std::move(tls);
  st.config = std::move(cfg);
  if (st.share)
    st.share->set_config(st.config);
  log(log_level::info, st.config->server_name,
      "TLS files loaded again: new handshakes use them");
  return caf::ok_atom::value;
}

void finish_drain(server_broker* self) {
  quit(self, caf::exit_reason::user_shutdown);
}

caf::result<drain_report> drain(server_broker* self, uint32_t timeout_ms) {
  auto& st = self->state;
  if (st.ending())
    return drain_report{};
  auto rp = self->make_response_promise<drain_report>();
  if (st.drain) {
    // A second drain joins the first and its timeout.
    st.drain->waiters.push_back(rp);
    return rp;
  }
  st.drain = drain_state{};
  st.drain->waiters.push_back(rp);
  st.drain->report.unserved = st.waiting.size();
  // Connections that never got a slot are not sessions to wait for; those
  // in the backlog are refused when the listening socket closes.
  for (auto hdl : st.waiting)
    self->close(hdl);
  st.waiting.clear();
  // With session hosts: be told of every session's end from now on, then
  // count (the order that misses none).
  if (st.share)
    st.share->want_news(true);
  update_accepting(self);
  collect_news(self);
  log(log_level::info, st.config->server_name,
      "draining " + std::to_string(session_count(st)) + " sessions, timeout "
          + std::to_string(timeout_ms) + " ms");
  if (no_sessions(st))
    finish_drain(self);
  else
    self->delayed_send(self, std::chrono::milliseconds(timeout_ms),
                       drain_timeout_atom::value);
  return rp;
}

void on_drain_timeout(server_broker* self) {
  auto& st = self->state;
  if (!st.drain || st.drain->timed_out)
    return;
  collect_news(self);
  st.drain->timed_out = true;
  st.drain->report.closed = static_cast<uint64_t>(session_count(st));
  log(log_level::info, st.config->server_name,
      "drain timeout: closing " + std::to_string(session_count(st))
          + " sessions");
  // Sessions whose news comes later get theirs then (add_child).
  for (auto& entry : st.children)
    self->send_exit(entry.second.session, caf::exit_reason::user_shutdown);
}

} // namespace

void on_drained_session(server_broker* self) {
  auto& st = self->state;
  if (!st.drain->timed_out)
    ++st.drain->report.ended;
  if (no_sessions(st))
    finish_drain(self);
}

void quit(server_broker* self, caf::error reason) {
  auto& st = self->state;
  if (st.ending())
    return;
  if (st.drain) {
    // Stopped (or timed out) before the last session ended: the sessions
    // left are closed with the server.
    auto& report = st.drain->report;
    if (!st.drain->timed_out)
      report.closed = static_cast<uint64_t>(session_count(st));
    report.unserved += static_cast<uint64_t>(waiting_clients(st));
    log(log_level::info, st.config->server_name,
        "drained: " + std::to_string(report.ended) + " sessions ended, "
            + std::to_string(report.closed) + " closed, "
            + std::to_string(report.unserved) + " waiting clients not served");
    for (auto& rp : st.drain->waiters)
      rp.deliver(report);
    st.drain->waiters.clear();
  }
  if (st.share) {
    answer_children_waiters(self, true);
    end_with_hosts(self, std::move(reason));
  } else {
    st.gate.quit(std::move(reason));
  }
}

caf::message_handler operations(server_broker* self) {
  return {
      [self](status_atom) {
        auto& st = self->state;
        return status{session_count(st), st.max};
      },
      [self](children_atom) -> caf::result<std::vector<child_info>> {
        if (self->state.share)
          return hosted_children(self);
        return list_children(self->state);
      },
      [self](port_atom) { return self->state.port; },
      [self](info_atom) {
        collect_news(self);
        return make_totals(self->state);
      },
      [self](set_max_atom, int32_t max) { return set_max(self, max); },
      [self](suspend_atom) { return set_suspended(self, true); },
      [self](resume_atom) { return set_suspended(self, false); },
      [self](reload_tls_atom, tls_context_ptr& tls) {
        return reload_tls(self, std::move(tls));
      },
      [self](drain_atom, uint32_t timeout_ms) {
        return drain(self, timeout_ms);
      },
      [self](drain_timeout_atom) { on_drain_timeout(self); },
  };
}

} // namespace pss::server
