#pragma once

#include <cstddef>
#include <string>

namespace pss::test {

/// The lines of one cause in a node's log: those written and those the
/// rate limit held back (pss/log.hpp).
struct cause_count {
  /// Lines containing the cause's mark, summaries not counted.
  size_t written = 0;
  /// The sum of the summaries `N more suppressed (KIND)`.
  size_t suppressed = 0;
  /// How many summaries there were.
  size_t summaries = 0;
};

/// Counts, in `text`, the lines containing `mark` and the summaries of
/// the kind `kind`.
cause_count count_cause(const std::string& text, const std::string& mark,
                        const std::string& kind);

} // namespace pss::test
