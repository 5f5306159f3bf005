#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace pss::test {

using namespace std::chrono_literals;

/// The longest any single wait in a test may take before it counts as a
/// failure; generous so that loaded CI machines do not flake.
constexpr std::chrono::milliseconds default_deadline = 10s;

/// Milliseconds left until `until` (0 once it passed), for poll(2).
inline int ms_until(std::chrono::steady_clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

/// Polls `condition` until it holds or `deadline` passes; returns whether it
/// held. Polling, not sleeping for a fixed time, is how tests synchronise.
inline bool poll_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = default_deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (condition())
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(2ms);
  }
}

} // namespace pss::test
