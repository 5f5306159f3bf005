#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "loopback_client.hpp"
#include "process_probe.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

// More than the kernel buffers of a loopback connection whose peer does not
// read can hold, so that CAF still holds output when the session ends.
constexpr size_t reply_size = 16 * 1024 * 1024;
constexpr size_t chunk_size = 64 * 1024;

// Byte `i` of every reply: a peer that gets the reply can check each byte.
char reply_byte(size_t i) {
  return static_cast<char>('a' + (i / chunk_size + i) % 26);
}

bool is_whole_reply(const std::string& bytes) {
  if (bytes.size() != reply_size)
    return false;
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] != reply_byte(i))
      return false;
  return true;
}

// How a session ends after queueing its reply.
enum class ending { close, fail, none };

// Answers any packet with `reply_size` bytes, counts it in `replies`, then
// ends as told.
session_function big_reply(ending how, std::atomic<int>& replies) {
  return [how, &replies](session& self) -> caf::behavior {
    return {[&self, how, &replies](const packet&) {
      std::string chunk(chunk_size, '\0');
      for (size_t sent = 0; sent < reply_size; sent += chunk_size) {
        for (size_t i = 0; i < chunk_size; ++i)
          chunk[i] = reply_byte(sent + i);
        self.send(chunk);
      }
      ++replies;
      if (how == ending::close)
        self.close();
      else if (how == ending::fail)
        throw std::runtime_error("failing after the reply");
    }};
  };
}

// A node with one server of `big_reply` sessions, and its peers.
struct big_reply_node {
  /// Replies queued so far (before `node`: sessions outlive the test body).
  std::atomic<int> replies{0};
  test_node node;
  uint16_t port = 0;
  /// Descriptors open before the first peer connected.
  size_t before = 0;

  big_reply_node(ending how, uint32_t linger_ms, int32_t max = 4) {
    server_spec spec;
    spec.max = max;
    spec.session.write_limit = 4 * reply_size; // Never send_buffer_full.
    spec.session.linger_ms = linger_ms;
    auto info = start_raw_server(node.reg, spec, big_reply(how, replies));
    REQUIRE(info);
    port = info->port;
    before = own_descriptors();
  }

  /// Connects a peer that asks for a reply, once it is queued.
  loopback_client ask(bool half_close = false) {
    loopback_client peer{port};
    auto expected = replies.load() + 1;
    REQUIRE(peer.send("go"));
    if (half_close)
      peer.shutdown_sending();
    REQUIRE(poll_until([&] { return replies.load() == expected; }));
    return peer;
  }

  /// Whether only `peers` descriptors of the test's own remain, within
  /// `deadline`.
  bool released(size_t peers, std::chrono::milliseconds deadline) {
    return poll_until([&] { return own_descriptors() <= before + peers; },
                      deadline);
  }
};

constexpr auto linger = std::chrono::milliseconds(500);
// Time for the I/O loop to notice a reset, on a loaded machine.
constexpr auto margin = std::chrono::milliseconds(4500);

} // namespace

TEST_CASE("an ended session's connection is released within the linger "
          "time when its peer neither reads nor closes") {
  SECTION("the session closes itself") {
    big_reply_node n{ending::close, linger.count()};
    auto peer = n.ask();
    // The session is over at once; its connection does not count.
    CHECK(poll_until([&] { return status_is(n.node, n.port, 0); }));
    // Only the peer's own descriptor remains, once the linger time passed.
    CHECK(n.released(1, linger + margin));
    // The connection was reset: the peer gets part of the reply, no more.
    CHECK(peer.receive(reply_size).size() < reply_size);
  }
  SECTION("the session fails") {
    log_capture logs;
    big_reply_node n{ending::fail, linger.count()};
    auto peer = n.ask();
    CHECK(poll_until([&] { return logs.contains("failing after the reply"); }));
    CHECK(n.released(1, linger + margin));
  }
  SECTION("the server stops") {
    big_reply_node n{ending::none, linger.count()};
    auto peer = n.ask();
    REQUIRE(!stop_server(n.node.reg, n.port));
    // The listening socket went too.
    CHECK(n.released(0, linger + margin));
  }
  SECTION("the peer half-closes") {
    big_reply_node n{ending::none, linger.count()};
    auto peer = n.ask(true);
    CHECK(poll_until([&] { return status_is(n.node, n.port, 0); }));
    CHECK(n.released(1, linger + margin));
  }
}

TEST_CASE("a peer that reads after its session ended gets the whole reply, "
          "then the connection closes") {
  // A linger far longer than the reads below take.
  big_reply_node n{ending::none, 10000};
  auto peer = n.ask();
  SECTION("the session closes") {
    auto kids = server_children(n.node.reg, n.port);
    REQUIRE(kids);
    caf::anon_send(kids->front().session, close_atom::value);
  }
  SECTION("the server stops") {
    REQUIRE(!stop_server(n.node.reg, n.port));
  }
  // The session is gone before the peer reads a byte.
  CHECK(poll_until([&] {
    auto st = server_status(n.node.reg, n.port);
    return !st || st->num == 0;
  }));
  CHECK(is_whole_reply(peer.receive(reply_size)));
  CHECK(peer.wait_closed());
  // Released as soon as the peer closes too, long before the linger time:
  // until then the node reads (and drops) what the peer may still send.
  peer.close();
  CHECK(n.released(0, std::chrono::milliseconds(5000)));
}

TEST_CASE("with linger 0 an ended session's queued output is dropped and "
          "its connection reset at once") {
  big_reply_node n{ending::close, 0};
  auto peer = n.ask();
  CHECK(n.released(1, margin));
  CHECK(peer.receive(reply_size).size() < reply_size);
}

TEST_CASE("a node shuts down within the linger time while a peer that never "
          "reads holds a connection") {
  // The peer outlives the node: without a linger, CAF's I/O loop would keep
  // writing to it, and the actor system would never finish shutting down.
  std::optional<loopback_client> peer;
  std::chrono::steady_clock::time_point stopping;
  {
    big_reply_node n{ending::none, linger.count()};
    peer.emplace(n.ask());
    stopping = std::chrono::steady_clock::now();
  }
  CHECK(std::chrono::steady_clock::now() - stopping < linger + margin);
}

TEST_CASE("a lingering connection does not hold its server's slot") {
  big_reply_node n{ending::close, 10000, 1};
  auto first = n.ask();
  // The first peer reads nothing, yet the next one is served at once (well
  // within the linger time).
  auto second = n.ask();
  CHECK(second.receive(1).size() == 1);
}
