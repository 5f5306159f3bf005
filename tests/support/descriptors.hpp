#pragma once

#include <dirent.h>

#include <cstddef>

namespace pss::test {

/// Descriptors the process has open now (entries of /proc/self/fd, the
/// directory's own included: compare counts, not absolute values).
inline size_t open_descriptors() {
  size_t count = 0;
  if (auto dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir) != nullptr)
      ++count;
    ::closedir(dir);
  }
  return count;
}

} // namespace pss::test
