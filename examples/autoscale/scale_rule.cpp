#include "scale_rule.hpp"

#include <algorithm>

namespace autoscale {

int32_t next_max(const scale_rule& rule, pss::status now) {
  if (now.num >= now.max && now.max < rule.ceiling)
    return std::min(now.max + rule.step, rule.ceiling);
  if (now.max > rule.floor && now.num + rule.step < now.max)
    return std::max(now.max - rule.step, rule.floor);
  return now.max;
}

} // namespace autoscale
