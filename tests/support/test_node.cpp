#include "test_node.hpp"

#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>

#include "deadline.hpp"
#include "handlers.hpp"

namespace pss::test {

log_capture::log_capture() {
  set_log_sink([this](log_level level, const std::string& source,
                      const std::string& text) {
    const char* names[] = {"info", "warning", "error"};
    std::lock_guard<std::mutex> guard{mtx_};
    lines_.push_back(std::string{names[static_cast<int>(level)]} + " [" + source
                     + "] " + text);
  });
}

log_capture::~log_capture() {
  set_log_sink(log_to_stderr);
}

std::vector<std::string> log_capture::lines() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return lines_;
}

bool log_capture::contains(const std::string& text) const {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& line : lines_)
    if (line.find(text) != std::string::npos)
      return true;
  return false;
}

namespace {

size_t sockets_in_io_loop(caf::actor_system& sys) {
  auto& mpx = static_cast<caf::io::network::default_multiplexer&>(
      sys.middleman().backend());
  return mpx.num_socket_handlers();
}

} // namespace

test_node::test_node() : test_node(test_io_threads()) {
  // nop
}

test_node::test_node(size_t io_thread_count)
    : sys(cfg), threads(std::make_unique<io_threads>(sys, io_thread_count)),
      reg(spawn_registry(sys, handlers::builtin(), *threads)),
      io_loop_baseline(sockets_in_io_loop(sys)) {
  // nop
}

test_node::~test_node() {
  shutdown_registry(reg);
  // Sockets close on the I/O thread after their actors are gone; let them,
  // so that the actor system does not end with half-closed sockets that
  // LeakSanitizer would report.
  poll_until([&] { return sockets_in_io_loop(sys) <= io_loop_baseline; });
  // The session threads end after their servers (docs/io-threads.md).
  threads.reset();
}

session_function echo_fn() {
  return handlers::echo().make_session;
}

bool status_is(test_node& node, const server_ref& ref, int32_t num,
               int32_t max) {
  auto st = server_status(node.reg, ref, timeout_ms{2000});
  return st && st->num == num && (max < 0 || st->max == max);
}

} // namespace pss::test
