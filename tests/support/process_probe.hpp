#pragma once

#include <cstddef>

#include <sys/types.h>
#include <unistd.h>

namespace pss::test {

/// Whether this program runs under AddressSanitizer, whose runtime holds
/// memory of its own (quarantine, shadow): memory figures of a process
/// built with it are looser.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif
#else
constexpr bool under_asan = false;
#endif

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
