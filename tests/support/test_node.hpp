#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "io_thread_count.hpp"
#include "pss/all.hpp"

namespace pss::test {

/// An actor system configured for pss.
struct test_config : caf::actor_system_config {
  test_config() {
    configure(*this);
  }
};

/// Collects pss's log lines for tests that check what was reported.
class log_capture {
public:
  log_capture();
  ~log_capture();

  /// Every line so far, as `level [source] text`.
  std::vector<std::string> lines() const;

  /// Whether some line contains `text`.
  bool contains(const std::string& text) const;

private:
  mutable std::mutex mtx_;
  std::vector<std::string> lines_;
};

/// One node for a test: an actor system and a registry with the built-in
/// handlers, shut down (with every server) at the end of the test. Its
/// sessions run on `test_io_threads()` I/O threads unless given.
struct test_node {
  test_node();
  explicit test_node(size_t io_thread_count);
  ~test_node();

  test_config cfg;
  caf::actor_system sys;
  /// The session threads (ended after the registry).
  std::unique_ptr<io_threads> threads;
  registry_actor reg;
  /// Sockets in CAF's I/O loop before the test's own (the middleman's pipe).
  size_t io_loop_baseline;
};

/// The built-in echo session function.
session_function echo_fn();

/// Whether the server `ref` of `node` answers `{num, max}` (any max when
/// `max` is negative).
bool status_is(test_node& node, const server_ref& ref, int32_t num,
               int32_t max = -1);

} // namespace pss::test
