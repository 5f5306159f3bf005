#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "pss/io_threads.hpp"
#include "pss/log.hpp"
#include "pss/registry.hpp"
#include "server/listen_socket.hpp"
#include "server/server_broker.hpp"
#include "tls/tls_context.hpp"

namespace pss {

namespace {

/// One registered server.
struct registry_entry {
  caf::actor server;
  uint16_t port = 0;
  packet_type packet = packet_type::raw;
  std::shared_ptr<server_counters> counters;
  /// The TLS files it started with, loaded again by reload_tls (empty
  /// `cert`: plain TCP).
  tls_files tls;
  /// What to do once the server is gone: answer the callers of stop and
  /// drain, who wait for that.
  std::vector<std::function<void()>> on_gone;
};

struct registry_state {
  /// Stops every server still registered, whatever ended the registry.
  ~registry_state() {
    for (auto& entry : by_name)
      caf::anon_send_exit(entry.second.server, caf::exit_reason::user_shutdown);
  }

  handler_table handlers;
  /// Session hosts of other I/O threads, given to every server (empty: one
  /// I/O thread).
  std::vector<caf::actor> hosts;
  std::map<std::string, registry_entry> by_name;
  std::unordered_map<uint16_t, std::string> name_by_port;
  std::map<caf::actor_addr, std::string> name_by_actor;
  /// Set while a shutdown waits for the last server to go.
  caf::optional<caf::typed_response_promise<caf::ok_atom>> shutdown_waiter;

  static const char* name;
};

const char* registry_state::name = "pss.registry";

using registry_self = registry_actor::stateful_pointer<registry_state>;

caf::error retrylater(const server_ref& ref) {
  return caf::make_error(error::retrylater, "no server " + to_string(ref));
}

// Resolves a name, port or handle to its entry, or null.
registry_entry* resolve(registry_state& st, const server_ref& ref) {
  const std::string* name = nullptr;
  if (auto str = ref.name()) {
    name = str;
  } else if (auto port = ref.port()) {
    auto i = st.name_by_port.find(*port);
    if (i != st.name_by_port.end())
      name = &i->second;
  } else {
    auto i = st.name_by_actor.find(ref.handle()->address());
    if (i != st.name_by_actor.end())
      name = &i->second;
  }
  if (name == nullptr)
    return nullptr;
  auto i = st.by_name.find(*name);
  return i == st.by_name.end() ? nullptr : &i->second;
}

// Requests the server's own answer: a server too busy to answer makes
// the caller time out, not the registry (as in the original).
template <class T, class... Ts>
caf::result<T> ask_server(registry_self self, const server_ref& ref, Ts... xs) {
  auto entry = resolve(self->state, ref);
  if (entry == nullptr)
    return retrylater(ref);
  self->delegate(entry->server, xs...);
  return caf::delegated<T>{};
}

caf::result<server_info> start(registry_self self, server_spec spec,
                               session_function fun,
                               packet_type default_packet) {
  auto& st = self->state;
  if (auto err = validate(spec))
    return err;
  if (!spec.name.empty() && st.by_name.count(spec.name) > 0)
    return caf::make_error(error::already_started, spec.name);
  // Loaded before anything is bound: a file that cannot be loaded fails
  // the start, never the first connection.
  tls_context_ptr tls;
  tls_files files;
  if (spec.tls.enabled()) {
    files = tls_files{spec.tls.cert, spec.tls.key, spec.tls.ca, spec.tls.alpn};
    std::string reason;
    tls = tls_context::load(files, reason);
    if (!tls)
      return caf::make_error(error::tls_failed, std::move(reason));
  }
  auto sock = open_listen_socket(spec.bind_address, spec.port);
  if (!sock)
    return std::move(sock.error());
  auto name = spec.name.empty() ? default_server_name(sock->port) : spec.name;
  if (st.by_name.count(name) > 0) {
    close_listen_socket(*sock);
    return caf::make_error(error::already_started, name);
  }
  cold_start_args args;
  args.parent = spec.parent;
  args.name = name;
  args.listen_fd = sock->fd;
  args.port = sock->port;
  args.max = spec.max;
  args.fun = std::move(fun);
  args.packet = spec.packet ? *spec.packet : default_packet;
  args.packet_size = spec.packet_size;
  args.options = spec.session;
  args.counters = std::make_shared<server_counters>();
  args.hosts = st.hosts;
  args.tls = std::move(tls);
  args.tls_handshake_timeout_ms = spec.tls.handshake_timeout_ms;
  registry_entry entry;
  entry.port = sock->port;
  entry.packet = args.packet;
  entry.counters = args.counters;
  entry.counters->max = spec.max;
  entry.tls = std::move(files);
  entry.server
      = self->system().middleman().spawn_broker(cold_start, std::move(args));
  self->monitor(entry.server);
  server_info info{entry.server, name, entry.port, 0, spec.max, entry.packet};
  auto server = entry.server;
  st.name_by_port[entry.port] = name;
  st.name_by_actor[server.address()] = name;
  st.by_name.emplace(name, std::move(entry));
  // Answer once the server has run its start on the I/O thread (like the
  // original's cold_start registering itself). Besides telling the caller
  // that the server is really up, this keeps a stop from reaching the
  // server in the very I/O-loop turn that registered its listening socket:
  // CAF 0.17 then cancels the registration and leaks the socket.
  auto rp = self->make_response_promise<server_info>();
  self->request(server, caf::infinite, port_atom::value)
      .then([rp, info](uint16_t) mutable { rp.deliver(std::move(info)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// Loads the files here, on a worker thread: reading and parsing PEM files
// on the server's I/O thread would stall every session on it. The server
// only swaps the loaded context in.
caf::result<caf::ok_atom> reload_tls(registry_self self,
                                     const server_ref& ref) {
  auto found = resolve(self->state, ref);
  if (found == nullptr)
    return retrylater(ref);
  auto& entry = *found;
  auto known = self->state.name_by_actor.find(entry.server.address());
  auto name = known != self->state.name_by_actor.end() ? known->second
                                                       : to_string(ref);
  if (entry.tls.cert.empty())
    return caf::make_error(error::invalid_argument,
                           name + " does not use TLS: nothing to reload");
  std::string reason;
  auto tls = tls_context::load(entry.tls, reason);
  if (!tls) {
    log(log_level::warning, name,
        "reload_tls failed, the server keeps its TLS files: " + reason);
    return caf::make_error(error::tls_failed, std::move(reason));
  }
  self->delegate(entry.server, reload_tls_atom::value, std::move(tls));
  return caf::delegated<caf::ok_atom>{};
}

// The server drains itself and reports; the caller hears back once the
// server is gone (as with stop), so that its name is free again.
caf::result<drain_report> drain(registry_self self, registry_entry& entry,
                                uint32_t timeout_ms) {
  auto rp = self->make_response_promise<drain_report>();
  auto report = std::make_shared<caf::optional<drain_report>>();
  entry.on_gone.emplace_back([rp, report]() mutable {
    if (*report)
      rp.deliver(std::move(**report));
    else
      rp.deliver(caf::make_error(error::retrylater,
                                 "the server ended before its drain did"));
  });
  self->request(entry.server, caf::infinite, drain_atom::value, timeout_ms)
      .then([report](drain_report& x) { *report = std::move(x); },
            [](caf::error&) {
              // The server is gone: its down message answers the caller.
            });
  return rp;
}

void on_server_down(registry_self self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto i = st.name_by_actor.find(msg.source);
  if (i == st.name_by_actor.end())
    return;
  auto name = i->second;
  st.name_by_actor.erase(i);
  auto entry = st.by_name.find(name);
  if (entry == st.by_name.end())
    return;
  auto waiters = std::move(entry->second.on_gone);
  if (waiters.empty() && msg.reason != caf::exit_reason::user_shutdown)
    log(log_level::warning, name, "server ended: " + describe(msg.reason));
  else
    log(log_level::info, name, "server stopped");
  st.name_by_port.erase(entry->second.port);
  st.by_name.erase(entry);
  for (auto& done : waiters)
    done();
  if (st.shutdown_waiter && st.by_name.empty()) {
    st.shutdown_waiter->deliver(caf::ok_atom::value);
    self->quit();
  }
}

registry_actor::behavior_type registry_impl(registry_self self,
                                            handler_table handlers,
                                            std::vector<caf::actor> hosts) {
  self->state.handlers = std::move(handlers);
  self->state.hosts = std::move(hosts);
  self->set_down_handler(
      [self](caf::down_msg& msg) { on_server_down(self, msg); });
  return {
      [self](start_atom, server_spec& spec) -> caf::result<server_info> {
        auto h = self->state.handlers.find(spec.handler);
        if (h == nullptr)
          return caf::make_error(error::unknown_handler,
                                 "no handler named '" + spec.handler + "'");
        return start(self, std::move(spec), h->make_session, h->default_packet);
      },
      [self](start_atom, server_spec& spec,
             session_function& fun) -> caf::result<server_info> {
        if (!fun)
          return caf::make_error(error::invalid_argument,
                                 "empty session function");
        return start(self, std::move(spec), std::move(fun), packet_type::raw);
      },
      [self](stop_atom, const server_ref& ref) -> caf::result<caf::ok_atom> {
        auto entry = resolve(self->state, ref);
        if (entry == nullptr)
          return caf::ok_atom::value;
        auto rp = self->make_response_promise<caf::ok_atom>();
        entry->on_gone.emplace_back(
            [rp]() mutable { rp.deliver(caf::ok_atom::value); });
        self->send_exit(entry->server, caf::exit_reason::user_shutdown);
        return rp;
      },
      [self](port_atom, const server_ref& ref) -> caf::result<uint16_t> {
        auto entry = resolve(self->state, ref);
        if (entry == nullptr)
          return retrylater(ref);
        return entry->port;
      },
      [self](status_atom atom, const server_ref& ref) {
        return ask_server<status>(self, ref, atom);
      },
      [self](children_atom atom, const server_ref& ref) {
        return ask_server<std::vector<child_info>>(self, ref, atom);
      },
      [self](set_max_atom atom, const server_ref& ref, int32_t max) {
        return ask_server<status>(self, ref, atom, max);
      },
      [self](suspend_atom atom, const server_ref& ref) {
        return ask_server<caf::ok_atom>(self, ref, atom);
      },
      [self](resume_atom atom, const server_ref& ref) {
        return ask_server<caf::ok_atom>(self, ref, atom);
      },
      [self](drain_atom, const server_ref& ref,
             uint32_t timeout_ms) -> caf::result<drain_report> {
        auto entry = resolve(self->state, ref);
        if (entry == nullptr)
          return retrylater(ref);
        return drain(self, *entry, timeout_ms);
      },
      [self](reload_tls_atom, const server_ref& ref) {
        return reload_tls(self, ref);
      },
      [self](info_atom atom, const server_ref& ref) {
        return ask_server<server_totals>(self, ref, atom);
      },
      [self](list_atom) {
        std::vector<server_info> result;
        for (auto& kvp : self->state.by_name) {
          auto& entry = kvp.second;
          result.push_back(server_info{
              entry.server, kvp.first, entry.port, entry.counters->sessions(),
              entry.counters->max.load(std::memory_order_relaxed),
              entry.packet});
        }
        return result;
      },
      [self](shutdown_atom) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.by_name.empty()) {
          self->quit();
          return caf::ok_atom::value;
        }
        auto rp = self->make_response_promise<caf::ok_atom>();
        st.shutdown_waiter = rp;
        for (auto& kvp : st.by_name)
          self->send_exit(kvp.second.server, caf::exit_reason::user_shutdown);
        return rp;
      },
  };
}

} // namespace

registry_actor spawn_registry(caf::actor_system& sys, handler_table handlers) {
  return sys.spawn(registry_impl, std::move(handlers),
                   std::vector<caf::actor>{});
}

registry_actor spawn_registry(caf::actor_system& sys, handler_table handlers,
                              const io_threads& threads) {
  return sys.spawn(registry_impl, std::move(handlers), threads.session_hosts());
}

void shutdown_registry(const registry_actor& reg) {
  if (!reg)
    return;
  caf::scoped_actor self{reg.home_system()};
  self->request(reg, caf::infinite, shutdown_atom::value)
      .receive([](caf::ok_atom) {}, [](caf::error&) {});
  self->wait_for(reg);
}

} // namespace pss
