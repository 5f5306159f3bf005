#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

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

/// Whether the process has descriptors to spare beyond the reserve, asked
/// of the kernel: the lowest free descriptor (the one an accept would get)
/// lies below `limit - descriptor_reserve`. `any_fd` is any open descriptor
/// (duplicated and closed again: two system calls).
inline bool descriptors_to_spare(int any_fd, int limit) {
  int probe = ::fcntl(any_fd, F_DUPFD_CLOEXEC, 0);
  if (probe < 0)
    return false;
  ::close(probe);
  return probe < limit - descriptor_reserve;
}

} // namespace pss
