#pragma once

#include <utility>

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "caf_duration.hpp"
#include "pss/errors.hpp"
#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"

/// How the blocking API (proc_socket_server.hpp, live_operations.hpp) asks
/// a registry: one request, one answer, CAF's delivery errors mapped onto
/// the original's answers.
namespace pss::detail {

inline caf::error to_pss_error(caf::error err) {
  if (err == caf::sec::request_timeout)
    return caf::make_error(error::timeout);
  if (err == caf::sec::request_receiver_down)
    return caf::make_error(error::retrylater, "server is gone");
  return err;
}

/// Sends one request to `reg` and blocks for its answer of type T.
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

/// As `ask`, for requests answered with `ok`.
template <class... Ts>
caf::error ask_ok(const registry_actor& reg, timeout_ms timeout, Ts&&... xs) {
  auto result = ask<caf::ok_atom>(reg, timeout, std::forward<Ts>(xs)...);
  return result ? caf::none : std::move(result.error());
}

} // namespace pss::detail
