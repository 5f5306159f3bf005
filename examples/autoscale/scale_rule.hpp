#pragma once

#include <cstdint>

#include <pss/server_info.hpp>

namespace autoscale {

/// Between which limits, and by how much at a time, the autoscaler moves a
/// server's Max.
struct scale_rule {
  /// Max never goes below this (unset, 0: the Max found at the start).
  int32_t floor = 0;
  /// Max never goes above this.
  int32_t ceiling = 0;
  /// Sessions added or removed per change.
  int32_t step = 1;
};

/// The Max a server with `now` should have: one step more when it is full
/// (new clients wait), one step less when a step's worth of slots is spare,
/// else unchanged. Lowering always leaves Max above the running sessions, so
/// the next look does not find the server full and raise it again.
int32_t next_max(const scale_rule& rule, pss::status now);

} // namespace autoscale
