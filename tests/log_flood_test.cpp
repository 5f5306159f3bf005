// What anyone who reaches a node can make it log, and a node whose output
// nobody reads (docs/limits.md, "Logging"). Real
// pss-node processes, real sockets on 127.0.0.1.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "deadline.hpp"
#include "log_lines.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"

using namespace pss;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

// pss's default rate limit (pss/log.hpp).
constexpr size_t lines_per_second = 10;

// The most lines a cause may write in `elapsed`: its limit in every
// interval begun.
size_t bound_for(steady::duration elapsed) {
  auto intervals
      = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() + 1;
  return lines_per_second * static_cast<size_t>(intervals);
}

// Clients that send half of a packet-4 frame and close: each session ends
// with truncated_frame, as it does for a reset mid-packet.
void cut_off_clients(uint16_t port, int count) {
  auto half_frame
      = loopback_client::frame(std::string(100, 'x'), 4).substr(0, 14);
  for (int i = 0; i < count; ++i) {
    loopback_client client{port};
    REQUIRE(client.connected());
    REQUIRE(client.send(half_frame));
  }
}

} // namespace

TEST_CASE("a flood of broken sessions logs at most 10 lines a second and "
          "counts the rest") {
  node_process node{
      {"--control", "off", "--server", "echo,name=e,packet=4,port=0"}};
  node.read_started();
  auto port = node.servers.at("e");
  constexpr int clients = 300;
  auto start = steady::now();
  cut_off_clients(port, clients);
  cause_count seen;
  auto accounted = poll_until([&] {
    seen = count_cause(node.proc.stderr_text(), ") ended: truncated_frame",
                       "session ended: truncated_frame");
    return seen.written + seen.suppressed == clients;
  });
  auto elapsed = steady::now() - start;
  CAPTURE(seen.written, seen.suppressed, seen.summaries);
  CHECK(accounted);
  CHECK(seen.written <= bound_for(elapsed));
  CHECK(seen.summaries >= 1);
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
}

TEST_CASE("SIGTERM ends a node whose stdout and stderr nobody reads") {
  node_process node{
      {"--control", "127.0.0.1:0", "--server", "echo,name=e,packet=4,port=0"},
      {},
      stderr_kind::unread_pipe};
  auto control = node.read_control();
  REQUIRE(control != 0);
  node.read_started();
  auto port = node.servers.at("e");
  REQUIRE(node.proc.fill_pipes());
  // Output the node now cannot write: session warnings (stderr).
  cut_off_clients(port, 100);
  // Its sessions still work: nothing waits for the blocked descriptors.
  {
    loopback_client client{port};
    REQUIRE(client.send_framed("still here", 4));
    CHECK(client.receive_framed(4, 2s) == "still here");
  }
  auto start = steady::now();
  node.proc.send_signal(SIGTERM);
  auto status = node.proc.wait_exit(2s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      steady::now() - start);
  CAPTURE(took.count());
  CHECK(status == 0);
  std::cout << "blocked output: SIGTERM to exit in " << took.count() << " ms"
            << std::endl;
}
