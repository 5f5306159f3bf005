#pragma once

#include <sys/resource.h>

namespace pss {

/// Descriptors a server leaves free for the rest of the process: the
/// control endpoint, the metrics server, files and pipes of user code.
constexpr int descriptor_reserve = 16;

/// The process's descriptor limit (RLIMIT_NOFILE, soft), read anew each
/// time: an operator may raise it on a running process (prlimit).
inline int descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY
      || lim.rlim_cur > 1'000'000'000)
    return 1'000'000'000;
  return static_cast<int>(lim.rlim_cur);
}

} // namespace pss
