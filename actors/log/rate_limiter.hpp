#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pss/log.hpp"

namespace pss::logging {

/// Lines of one cause that a rate limiter held back.
struct suppressed_lines {
  /// The cause: the source and the kind of event its lines report.
  std::string source;
  std::string kind;
  /// The level of the last line held back.
  log_level level = log_level::info;
  /// How many lines were held back.
  size_t count = 0;
};

/// Decides which log lines are written: at most `lines` per cause within
/// an interval that starts at the cause's first line. Lines past that are
/// counted, not written; once the interval is over they are reported in one
/// summary (`suppressed_lines`) and the cause starts afresh. Actor-free and
/// not thread-safe: its owner locks.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// What to do with one line.
  struct verdict {
    /// Whether to write the line.
    bool write = false;
    /// A summary of the cause's earlier interval, to write before the line
    /// (count 0: none).
    suppressed_lines earlier;
  };

  /// `lines` 0: no limit. Causes beyond `max_causes` share one.
  rate_limiter(size_t lines, clock::duration interval,
               size_t max_causes = 1024);

  /// Counts one line of the cause (`source`, `kind`) at `now`.
  verdict admit(const std::string& source, const std::string& kind,
                log_level level, clock::time_point now);

  /// The summaries of causes whose interval ended by `now` with lines held
  /// back; those causes start afresh.
  std::vector<suppressed_lines> take_due(clock::time_point now);

  /// Every summary now, ended or not (at exit); every cause starts afresh.
  std::vector<suppressed_lines> take_all();

  /// Changes the limit and forgets every cause.
  void reset(size_t lines, clock::duration interval);

  /// The limit per cause and interval (0: none).
  size_t lines() const {
    return lines_;
  }

  /// The interval.
  clock::duration interval() const {
    return interval_;
  }

private:
  struct cause_state {
    clock::time_point started;
    size_t written = 0;
    suppressed_lines held;
  };

  using cause_key = std::pair<std::string, std::string>;

  size_t lines_;
  clock::duration interval_;
  size_t max_causes_;
  std::map<cause_key, cause_state> causes_;
};

/// The cause that causes beyond the limit of a rate limiter share.
constexpr const char* overflow_kind = "other causes";

} // namespace pss::logging
