#include "pss/proc_socket_server.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "caf_duration.hpp"

namespace pss {

namespace {

// Maps CAF's delivery errors onto the original's answers.
caf::error to_pss_error(caf::error err) {
  if (err == caf::sec::request_timeout)
    return caf::make_error(error::timeout);
  if (err == caf::sec::request_receiver_down)
    return caf::make_error(error::retrylater, "server is gone");
  return err;
}

// Sends one request to `reg` and blocks for its answer of type T.
template <class T, class... Ts>
caf::expected<T> ask(const registry_actor& reg, timeout_ms timeout,
                     Ts&&... xs) {
  if (!reg)
    return caf::make_error(error::invalid_argument, "invalid registry");
  caf::scoped_actor self{reg.home_system()};
  caf::expected<T> result{caf::error{}};
  self->request(reg, to_caf(timeout), std::forward<Ts>(xs)...)
      .receive([&](T& value) { result = std::move(value); },
               [&](caf::error& err) { result = to_pss_error(std::move(err)); });
  return result;
}

} // namespace

caf::expected<server_info> start_server(const registry_actor& reg,
                                        uint16_t port, int32_t max,
                                        session_function fun) {
  return start_raw_server(reg, port, max, std::move(fun), packet_type::raw, 0);
}

caf::expected<server_info> start_server(const registry_actor& reg,
                                        std::string name, uint16_t port,
                                        int32_t max, session_function fun) {
  return start_raw_server(reg, std::move(name), port, max, session_options{},
                          std::move(fun), packet_type::raw, 0);
}

caf::expected<server_info>
start_raw_server(const registry_actor& reg, uint16_t port, int32_t max,
                 session_function fun, packet_type type, uint32_t packet_size) {
  return start_raw_server(reg, std::string{}, port, max, session_options{},
                          std::move(fun), type, packet_size);
}

caf::expected<server_info>
start_raw_server(const registry_actor& reg, std::string name, uint16_t port,
                 int32_t max, session_options spawn_opts, session_function fun,
                 packet_type type, uint32_t packet_size) {
  server_spec spec;
  spec.name = std::move(name);
  spec.port = port;
  spec.max = max;
  spec.packet = type;
  spec.packet_size = packet_size;
  spec.session = spawn_opts;
  return start_raw_server(reg, std::move(spec), std::move(fun));
}

caf::expected<server_info> start_raw_server(const registry_actor& reg,
                                            server_spec spec,
                                            session_function fun) {
  return ask<server_info>(reg, infinity, start_atom::value, std::move(spec),
                          std::move(fun));
}

caf::expected<server_info> start_handler_server(const registry_actor& reg,
                                                server_spec spec,
                                                timeout_ms timeout) {
  return ask<server_info>(reg, timeout, start_atom::value, std::move(spec));
}

caf::error stop_server(const registry_actor& reg, const server_ref& ref,
                       timeout_ms timeout) {
  auto result = ask<caf::ok_atom>(reg, timeout, stop_atom::value, ref);
  return result ? caf::none : std::move(result.error());
}

caf::expected<uint16_t> server_port(const registry_actor& reg,
                                    const server_ref& ref, timeout_ms timeout) {
  return ask<uint16_t>(reg, timeout, port_atom::value, ref);
}

caf::expected<status> server_status(const registry_actor& reg,
                                    const server_ref& ref, timeout_ms timeout) {
  return ask<status>(reg, timeout, status_atom::value, ref);
}

caf::expected<std::vector<child_info>>
server_children(const registry_actor& reg, const server_ref& ref,
                timeout_ms timeout) {
  return ask<std::vector<child_info>>(reg, timeout, children_atom::value, ref);
}

caf::expected<std::vector<server_info>> list_servers(const registry_actor& reg,
                                                     timeout_ms timeout) {
  return ask<std::vector<server_info>>(reg, timeout, list_atom::value);
}

} // namespace pss
