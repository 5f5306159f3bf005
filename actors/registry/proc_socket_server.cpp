#include "pss/proc_socket_server.hpp"

#include "registry/blocking_request.hpp"

namespace pss {

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
  return detail::ask<server_info>(reg, infinity, start_atom::value,
                                  std::move(spec), std::move(fun));
}

caf::expected<server_info> start_handler_server(const registry_actor& reg,
                                                server_spec spec,
                                                timeout_ms timeout) {
  return detail::ask<server_info>(reg, timeout, start_atom::value,
                                  std::move(spec));
}

caf::error stop_server(const registry_actor& reg, const server_ref& ref,
                       timeout_ms timeout) {
  return detail::ask_ok(reg, timeout, stop_atom::value, ref);
}

caf::expected<uint16_t> server_port(const registry_actor& reg,
                                    const server_ref& ref, timeout_ms timeout) {
  return detail::ask<uint16_t>(reg, timeout, port_atom::value, ref);
}

caf::expected<status> server_status(const registry_actor& reg,
                                    const server_ref& ref, timeout_ms timeout) {
  return detail::ask<status>(reg, timeout, status_atom::value, ref);
}

caf::expected<std::vector<child_info>>
server_children(const registry_actor& reg, const server_ref& ref,
                timeout_ms timeout) {
  return detail::ask<std::vector<child_info>>(reg, timeout,
                                              children_atom::value, ref);
}

caf::expected<std::vector<server_info>> list_servers(const registry_actor& reg,
                                                     timeout_ms timeout) {
  return detail::ask<std::vector<server_info>>(reg, timeout, list_atom::value);
}

} // namespace pss
