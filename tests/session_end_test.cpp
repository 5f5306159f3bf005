// The project's invariant at a session's end: a peer that reads gets every
// reply queued before its session ended, then FIN, even while it is still
// sending. Closing a socket with input unread makes the kernel reset the
// connection and drop the replies it still holds; these peers pipeline
// packets up to the packet limit without pause, so they always have input
// in flight when their sessions end.

#include <csignal>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "node_process.hpp"
#include "pss/live_operations.hpp"
#include "streaming_peer.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

constexpr size_t peer_count = 16;

// The packet limit per framing for these tests: the framing's own limit
// where it is small, 1 MiB (as a server's packet-size) where it is not.
size_t packet_limit(packet_type framing) {
  switch (framing) {
    case packet_type::u8:
      return 255;
    case packet_type::u16:
      return 65535;
    case packet_type::raw:
      return 64 * 1024;
    default:
      return 1024 * 1024;
  }
}

std::vector<std::unique_ptr<streaming_peer>>
connect_peers(uint16_t port, packet_type framing) {
  std::vector<std::unique_ptr<streaming_peer>> peers;
  for (size_t i = 0; i < peer_count; ++i) {
    peers.emplace_back(std::make_unique<streaming_peer>(
        port, framing, packet_limit(framing), static_cast<uint32_t>(i + 1)));
    REQUIRE(peers.back()->connected());
  }
  return peers;
}

// Runs `end_sessions` (on another thread: it may wait for the sessions)
// while the peers keep sending and reading, then checks how each ended.
void check_endings(std::vector<std::unique_ptr<streaming_peer>>& peers,
                   const std::function<void()>& end_sessions) {
  REQUIRE(warm_up(peers, 2));
  auto ending = std::async(std::launch::async, end_sessions);
  CHECK(pump_to_end(peers));
  ending.get();
  auto endings = count_endings(peers);
  CAPTURE(endings.clean, endings.cut);
  CHECK(endings.cut == 0);
}

packet_type any_framing() {
  return GENERATE(packet_type::raw, packet_type::line, packet_type::u8,
                  packet_type::u16, packet_type::u32);
}

} // namespace

TEST_CASE("a peer still sending when its session ends gets every reply "
          "queued before, then FIN") {
  auto framing = any_framing();
  CAPTURE(to_string(framing));
  test_node node;
  server_spec spec;
  spec.max = static_cast<int32_t>(peer_count);
  spec.packet = framing;
  spec.packet_size = static_cast<uint32_t>(packet_limit(framing));
  auto info = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(info);
  auto peers = connect_peers(info->port, framing);
  SECTION("the server stops") {
    check_endings(peers, [&] { CHECK(!stop_server(node.reg, info->port)); });
  }
  SECTION("a drain times out and closes the sessions") {
    check_endings(peers, [&] {
      auto report
          = drain_server(node.reg, info->port, 100, std::chrono::seconds(20));
      REQUIRE(report);
      CHECK(report->closed == peer_count);
    });
  }
}

TEST_CASE("pss-node on SIGTERM gives a peer still sending every reply "
          "queued, then FIN") {
  auto framing = any_framing();
  CAPTURE(to_string(framing));
  node_process node{{"--control", "off", "--server",
                     "echo,name=edge,port=0,max=" + std::to_string(peer_count)
                         + ",packet=" + to_string(framing) + ",packet-size="
                         + std::to_string(packet_limit(framing))}};
  REQUIRE(!node.read_started().empty());
  auto peers = connect_peers(node.servers["edge"], framing);
  check_endings(peers, [&] { node.proc.send_signal(SIGTERM); });
  CHECK(node.proc.wait_exit() == 0);
}
