#pragma once

#include <chrono>
#include <vector>

#include <caf/optional.hpp>

#include "pss/server_info.hpp"
#include "result.hpp"

namespace pss::repl {

/// What `watch` shows at each refresh: a server's totals, its rates since
/// the previous refresh, and its busiest sessions. Pure: the caller fetches
/// the figures and owns the screen.
class watch_view {
public:
  using clock = std::chrono::steady_clock;

  /// Sessions listed at most (the busiest by bytes).
  static constexpr size_t max_rows = 20;

  /// The refresh made of `totals` and `sessions`, taken at `at`.
  result refresh(const server_totals& totals, std::vector<child_info> sessions,
                 clock::time_point at);

private:
  caf::optional<server_totals> last_;
  clock::time_point last_at_;
};

} // namespace pss::repl
