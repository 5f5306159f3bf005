#include "cpu_work.hpp"

#include <ctime>

namespace kv {

namespace {

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
}

// Where the computation's result goes, so that the compiler keeps it.
std::atomic<uint64_t> result_sink{0};

} // namespace

bool burn_cpu(std::chrono::milliseconds amount,
              const std::atomic<bool>& cancel) {
  auto until = thread_cpu_time() + amount;
  uint64_t x = 88172645463325252u;
  for (;;) {
    // A few hundred microseconds of xorshift between two looks at the clock
    // and at `cancel`.
    for (int i = 0; i < 100000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    result_sink.store(x, std::memory_order_relaxed);
    if (cancel.load(std::memory_order_relaxed))
      return false;
    if (thread_cpu_time() >= until)
      return true;
  }
}

caf::behavior cpu_worker(caf::event_based_actor*,
                         std::shared_ptr<std::atomic<bool>> cancel) {
  return {
      [cancel](slow_atom, uint32_t ms) {
        burn_cpu(std::chrono::milliseconds{ms}, *cancel);
        return caf::ok_atom::value;
      },
  };
}

} // namespace kv
