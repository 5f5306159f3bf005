#include "cores.hpp"

#include <sched.h>
#include <unistd.h>

namespace pss::bench {

namespace {

bool pin_cores = false;

} // namespace

void set_pinning(bool on) {
  pin_cores = on;
}

bool pinning() {
  return pin_cores;
}

void pin_to(int core) {
  if (!pin_cores)
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (core < 0) {
    auto cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    for (long i = 0; i < cores && i < CPU_SETSIZE; ++i)
      CPU_SET(static_cast<int>(i), &set);
  } else {
    CPU_SET(core, &set);
  }
  ::sched_setaffinity(0, sizeof(set), &set);
}

} // namespace pss::bench
