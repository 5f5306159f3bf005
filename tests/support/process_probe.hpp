#pragma once

#include <cstddef>

#include <sys/types.h>
#include <unistd.h>

namespace pss::test {

/// Open descriptors of the process `pid` (entries of /proc/PID/fd), 0 if it
/// cannot be read.
size_t open_descriptors(pid_t pid);

/// Open descriptors of this process.
inline size_t own_descriptors() {
  return open_descriptors(::getpid());
}

/// Resident memory of the process `pid` (VmRSS of /proc/PID/status) in KiB,
/// 0 if it cannot be read.
size_t resident_kib(pid_t pid);

/// CPU time (user + system) the process `pid` used so far, in clock ticks
/// (sysconf(_SC_CLK_TCK) a second); -1 if it cannot be read.
long cpu_ticks(pid_t pid);

} // namespace pss::test
