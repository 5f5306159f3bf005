#pragma once

#include <cstddef>
#include <cstdlib>
#include <string>

namespace pss::test {

/// The I/O threads the tests' nodes run sessions on: the environment
/// variable `PSS_TEST_IO_THREADS` (default 1), so that the whole suite runs
/// with several as well (docs/io-threads.md). In-process nodes
/// (test_node) and pss-node children (node_process) both follow it.
inline size_t test_io_threads() {
  auto text = std::getenv("PSS_TEST_IO_THREADS");
  if (text == nullptr || *text == '\0')
    return 1;
  auto count = std::strtoul(text, nullptr, 10);
  return count < 1 ? 1 : static_cast<size_t>(count);
}

/// pss-node's option for `test_io_threads()`.
inline std::string test_io_threads_option() {
  return "--io-threads=" + std::to_string(test_io_threads());
}

} // namespace pss::test
