#include "log/rate_limiter.hpp"

namespace pss::logging {

rate_limiter::rate_limiter(size_t lines, clock::duration interval,
                           size_t max_causes)
    : lines_(lines), interval_(interval), max_causes_(max_causes) {
  // nop
}

auto rate_limiter::admit(const std::string& source, const std::string& kind,
                         log_level level, clock::time_point now) -> verdict {
  verdict result;
  if (lines_ == 0) {
    result.write = true;
    return result;
  }
  cause_key key{source, kind};
  auto i = causes_.find(key);
  if (i == causes_.end()) {
    // An attacker who can vary the kind must not grow the map without
    // bound: late causes share one budget.
    if (causes_.size() >= max_causes_)
      key = cause_key{"pss", overflow_kind};
    i = causes_.try_emplace(std::move(key)).first;
    i->second.started = now;
    i->second.held.source = i->first.first;
    i->second.held.kind = i->first.second;
  }
  auto& st = i->second;
  if (now - st.started >= interval_) {
    if (st.held.count > 0) {
      result.earlier = st.held;
      st.held.count = 0;
    }
    st.started = now;
    st.written = 0;
  }
  if (st.written < lines_) {
    ++st.written;
    result.write = true;
  } else {
    ++st.held.count;
    st.held.level = level;
  }
  return result;
}

std::vector<suppressed_lines> rate_limiter::take_due(clock::time_point now) {
  std::vector<suppressed_lines> result;
  for (auto i = causes_.begin(); i != causes_.end();) {
    if (now - i->second.started < interval_) {
      ++i;
      continue;
    }
    if (i->second.held.count > 0)
      result.push_back(i->second.held);
    i = causes_.erase(i);
  }
  return result;
}

std::vector<suppressed_lines> rate_limiter::take_all() {
  std::vector<suppressed_lines> result;
  for (auto& kvp : causes_)
    if (kvp.second.held.count > 0)
      result.push_back(kvp.second.held);
  causes_.clear();
  return result;
}

void rate_limiter::reset(size_t lines, clock::duration interval) {
  lines_ = lines;
  interval_ = interval;
  causes_.clear();
}

} // namespace pss::logging
