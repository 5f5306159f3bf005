#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace pss::bench {

/// The value below which `fraction` of `samples` lie (0.5: the median).
/// Sorts a copy; returns 0 for no samples.
inline double percentile(std::vector<double> samples, double fraction) {
  if (samples.empty())
    return 0;
  std::sort(samples.begin(), samples.end());
  auto index = static_cast<size_t>(
      fraction * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(index, samples.size() - 1)];
}

/// The median of `samples`.
inline double median(const std::vector<double>& samples) {
  return percentile(samples, 0.5);
}

} // namespace pss::bench
