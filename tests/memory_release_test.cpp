// Memory a node takes for large packets goes back to the system once the
// sessions that sent them end: the decoder's buffer, the output buffers and
// the allocator's free memory, so that a burst of large packets does not
// leave the node holding its peak for good.

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "loopback_client.hpp"
#include "node_process.hpp"
#include "process_probe.hpp"

using namespace pss::test;

namespace {

constexpr size_t line_size = 16 * 1024 * 1024;
constexpr int sessions = 4;
constexpr int rounds = 5;
/// How far above its start the node's resident memory may stay.
constexpr size_t allowed_growth_kib = 32 * 1024;

/// Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
/// default) before it is released: the node gets none, so that what it
/// holds is what pss holds.
std::map<std::string, std::string> node_environment() {
  if (!under_asan)
    return {};
  std::string opts;
  if (auto text = std::getenv("ASAN_OPTIONS"))
    opts = std::string{text} + ":";
  return {{"ASAN_OPTIONS", opts + "quarantine_size_mb=0"}};
}

// One session: a 16 MiB line out, its echo back, then the close.
bool echo_large_line(uint16_t port, const std::string& line) {
  loopback_client client{port};
  return client.connected() && client.send(line)
         && client.receive(line.size()) == line;
}

} // namespace

TEST_CASE("a node gives back the memory of large packets once their "
          "sessions ended") {
  node_process node{{"--control", "off", "--server",
                     "echo,name=big,port=0,max=8,packet=line"},
                    node_environment()};
  REQUIRE(!node.read_started().empty());
  auto port = node.servers["big"];
  // A small session first: the node's own start-up allocations are done.
  REQUIRE(echo_large_line(port, "hello\n"));
  auto start_kib = resident_kib(node.proc.pid());
  REQUIRE(start_kib > 0);
  std::string line(line_size - 1, 'x');
  line += '\n';
  size_t peak_kib = start_kib;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::thread> clients;
    std::vector<char> served(sessions, 0);
    for (int i = 0; i < sessions; ++i)
      clients.emplace_back(
          [&, i] { served[i] = echo_large_line(port, line) ? 1 : 0; });
    for (auto& client : clients)
      client.join();
    peak_kib = std::max(peak_kib, resident_kib(node.proc.pid()));
    CHECK(std::count(served.begin(), served.end(), 1) == sessions);
  }
  // Every session is over; what the node still holds beyond its start must
  // go within the deadline.
  size_t end_kib = 0;
  bool released = poll_until([&] {
    end_kib = resident_kib(node.proc.pid());
    return end_kib <= start_kib + allowed_growth_kib;
  });
  CAPTURE(start_kib, peak_kib, end_kib);
  CHECK(released);
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
}
