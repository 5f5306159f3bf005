#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/exit_reason.hpp>

#include "pss/errors.hpp"
#include "pss/server_info.hpp"
#include "session/session_broker.hpp"

namespace pss {

/// A server's running totals (what `info REF` reports): counts sessions as
/// they start and end, and keeps the traffic of those that ended. Pure
/// bookkeeping, no actor: the server feeds it, tests drive it directly.
class server_tally {
public:
  /// A session started; `active` sessions run now (itself included).
  void started(int32_t active) {
    ++totals_.accepted;
    totals_.peak = std::max(totals_.peak, active);
  }

  /// A session ended with `reason`, having moved `traffic`.
  void ended(const caf::error& reason, const session_stats::snapshot& traffic) {
    if (is_clean_exit(reason)) {
      ++totals_.ended_clean;
    } else if (reason == caf::exit_reason::user_shutdown) {
      ++totals_.closed_by_server;
    } else {
      ++totals_.ended_error;
      ++totals_.errors[reason_name(reason)];
      if (reason == error::packet_too_large || reason == error::truncated_frame)
        ++totals_.refused_frames;
    }
    add_traffic(totals_, traffic);
  }

  /// Adds a session's traffic to `totals`.
  static void add_traffic(server_totals& totals,
                          const session_stats::snapshot& traffic) {
    totals.bytes_in += traffic.bytes_in;
    totals.bytes_out += traffic.bytes_out;
    totals.packets_in += traffic.packets_in;
    totals.packets_out += traffic.packets_out;
  }

  /// The totals of the sessions that ended, plus the counts so far. The
  /// server adds its live sessions' traffic and its present state.
  const server_totals& totals() const {
    return totals_;
  }

  /// The name an error is counted under: its code's name without the
  /// context (`packet_too_large`, not `packet_too_large: 70000 > 65536`).
  static std::string reason_name(const caf::error& reason) {
    if (reason.category() == error_category)
      return to_string(static_cast<error>(reason.code()));
    auto text = describe(reason);
    auto colon = text.find(':');
    return colon == std::string::npos ? text : text.substr(0, colon);
  }

private:
  server_totals totals_;
};

} // namespace pss
