#include "pss/live_operations.hpp"

#include "registry/blocking_request.hpp"

namespace pss {

caf::expected<status> set_max(const registry_actor& reg, const server_ref& ref,
                              int32_t max, timeout_ms timeout) {
  return detail::ask<status>(reg, timeout, set_max_atom::value, ref, max);
}

caf::error suspend_server(const registry_actor& reg, const server_ref& ref,
                          timeout_ms timeout) {
  return detail::ask_ok(reg, timeout, suspend_atom::value, ref);
}

caf::error resume_server(const registry_actor& reg, const server_ref& ref,
                         timeout_ms timeout) {
  return detail::ask_ok(reg, timeout, resume_atom::value, ref);
}

caf::error reload_tls(const registry_actor& reg, const server_ref& ref,
                      timeout_ms timeout) {
  return detail::ask_ok(reg, timeout, reload_tls_atom::value, ref);
}

caf::expected<drain_report> drain_server(const registry_actor& reg,
                                         const server_ref& ref,
                                         uint32_t drain_timeout_ms,
                                         timeout_ms timeout) {
  return detail::ask<drain_report>(reg, timeout, drain_atom::value, ref,
                                   drain_timeout_ms);
}

caf::expected<server_totals> server_info_totals(const registry_actor& reg,
                                                const server_ref& ref,
                                                timeout_ms timeout) {
  return detail::ask<server_totals>(reg, timeout, info_atom::value, ref);
}

} // namespace pss
