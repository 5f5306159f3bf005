// Several I/O threads (docs/io-threads.md): the original's contract across
// threads, and a blocked thread that stalls neither control nor the others.

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "churn_load.hpp"
#include "deadline.hpp"
#include "host/handoff_cell.hpp"
#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

/// Sessions alive by their own account: counted up in the session
/// function, down when the session's actor has cleaned up.
struct live_sessions {
  std::atomic<int> now{0};
  std::atomic<int> peak{0};
  std::mutex mtx;
  std::set<std::thread::id> threads;

  void started() {
    auto count = ++now;
    auto seen = peak.load();
    while (count > seen && !peak.compare_exchange_weak(seen, count)) {
      // retry with the peak another session set
    }
    std::lock_guard<std::mutex> guard{mtx};
    threads.insert(std::this_thread::get_id());
  }

  size_t thread_count() {
    std::lock_guard<std::mutex> guard{mtx};
    return threads.size();
  }
};

// Echo, counted in `live`.
session_function counted_echo(std::shared_ptr<live_sessions> live) {
  return [live](session& self) -> caf::behavior {
    live->started();
    self.self()->attach_functor([live] { --live->now; });
    self.on_packet([&self](caf::string_view payload) { self.send(payload); });
    return {};
  };
}

// Echo, except that the packet "block" blocks the session's I/O thread
// for `block_ms` before its echo: what a careless `io` handler does.
session_function blocking_echo(int block_ms) {
  return [block_ms](session& self) -> caf::behavior {
    self.on_packet([&self, block_ms](caf::string_view payload) {
      if (std::string(payload.data(), payload.size()) == "block")
        std::this_thread::sleep_for(std::chrono::milliseconds(block_ms));
      self.send(payload);
    });
    return {};
  };
}

// Two sessions of a `blocking_echo` server, connected in this order, each
// echoes once; then `blocked`'s session is told to block its thread. The
// server hands sockets to the least loaded host first, so the two run on
// different threads.
void block_one_of_two(loopback_client& blocked, loopback_client& other) {
  REQUIRE(blocked.send("a"));
  REQUIRE(blocked.receive(1) == "a");
  REQUIRE(other.send("b"));
  REQUIRE(other.receive(1) == "b");
  REQUIRE(blocked.send("block"));
}

} // namespace

TEST_CASE("with two I/O threads sessions run on both and Max stays exact") {
  test_node node{2};
  auto live = std::make_shared<live_sessions>();
  auto info = start_server(node.reg, "two", 0, 4, counted_echo(live));
  REQUIRE(info);
  std::vector<std::unique_ptr<loopback_client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back(new loopback_client(info->port));
    REQUIRE(clients.back()->send("x"));
    REQUIRE(clients.back()->receive(1) == "x");
  }
  CHECK(live->thread_count() == 2);
  CHECK(status_is(node, "two", 4, 4));
  // The fifth waits in the backlog and is served when one session ends.
  loopback_client waiting{info->port};
  REQUIRE(waiting.send("w"));
  CHECK(waiting.quiet_for(std::chrono::milliseconds(200)));
  clients.front()->close();
  CHECK(waiting.receive(1) == "w");
  CHECK(poll_until([&] { return status_is(node, "two", 4, 4); }));
  CHECK(server_children(node.reg, "two")->size() == 4);
  clients.clear();
  waiting.close();
  CHECK(poll_until([&] { return status_is(node, "two", 0, 4); }));
  CHECK(live->peak.load() == 4);
}

TEST_CASE("with two I/O threads Max holds under churn") {
  test_node node{2};
  auto live = std::make_shared<live_sessions>();
  constexpr int max = 3;
  auto info = start_server(node.reg, "churned", 0, max, counted_echo(live));
  REQUIRE(info);
  auto tally = run_churn({{"churned", info->port, packet_type::raw}}, 8,
                         std::chrono::milliseconds(1500));
  INFO("started " << tally.started << ", served " << tally.served << ", failed "
                  << tally.failed);
  CHECK(tally.failed == 0);
  CHECK(tally.served > 50);
  CHECK(live->peak.load() <= max);
  CHECK(poll_until([&] { return status_is(node, "churned", 0, max); }));
  CHECK(live->now.load() == 0);
}

TEST_CASE("with two I/O threads every children request is answered under "
          "churn") {
  // Sessions in flight make a `children` request wait for their hosts; two
  // callers at once must not leave one of them waiting (a session one
  // request finds published may be the one the other waits for).
  test_node node{2};
  auto info = start_server(node.reg, "listed", 0, 16, echo_fn());
  REQUIRE(info);
  std::atomic<bool> churning{true};
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
  auto ask = [&] {
    while (churning.load()) {
      if (server_children(node.reg, "listed", std::chrono::seconds(5)))
        ++answered;
      else
        ++failed;
    }
  };
  std::thread first{ask};
  std::thread second{ask};
  auto tally = run_churn({{"listed", info->port, packet_type::raw}}, 8,
                         std::chrono::milliseconds(1500));
  churning.store(false);
  first.join();
  second.join();
  CHECK(tally.failed == 0);
  CHECK(failed.load() == 0);
  CHECK(answered.load() > 10);
}

TEST_CASE("a session blocking its I/O thread stalls neither status nor "
          "sessions on the other thread") {
  test_node node{2};
  auto info = start_server(node.reg, "blocky", 0, 10, blocking_echo(2000));
  REQUIRE(info);
  loopback_client blocked{info->port};
  loopback_client other{info->port};
  block_one_of_two(blocked, other);
  auto began = std::chrono::steady_clock::now();
  // While that thread sleeps: status answers and the other session echoes.
  CHECK(status_is(node, "blocky", 2, 10));
  for (int i = 0; i < 20; ++i) {
    REQUIRE(other.send("ping"));
    CHECK(other.receive(4) == "ping");
  }
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(1));
  CHECK(blocked.receive(5) == "block");
}

TEST_CASE("pss-repl status answers while a session blocks one of two I/O "
          "threads") {
  test_node node{2};
  auto control = publish_control(node.sys, node.reg, "127.0.0.1", 0, "");
  REQUIRE(control);
  auto info = start_server(node.reg, "blocky", 0, 10, blocking_echo(3000));
  REQUIRE(info);
  loopback_client blocked{info->port};
  loopback_client other{info->port};
  block_one_of_two(blocked, other);
  child_process repl{PSS_REPL_BINARY,
                     {"--connect", "127.0.0.1:" + std::to_string(*control),
                      "--json", "-e", "status blocky"}};
  std::string line;
  REQUIRE(repl.read_line(line));
  CHECK(line == R"({"num":2,"max":10})");
  CHECK(repl.wait_exit() == 0);
  // Answered while the session still blocks its thread: a control endpoint
  // stalled by it would answer only after the echo below had come.
  CHECK(blocked.quiet_for(std::chrono::milliseconds(0)));
  REQUIRE(other.send("c"));
  CHECK(other.receive(1) == "c");
  CHECK(blocked.receive(5) == "block");
}

TEST_CASE("a handoff cell tells the server of a session exactly once") {
  SECTION("published first: the server finds it, no message") {
    handoff_cell cell;
    CHECK_FALSE(cell.publish(caf::actor{}, "peer"));
    CHECK(cell.adopted_or_want());
    CHECK(cell.peer() == "peer");
  }
  SECTION("wanted first: the host sends the message") {
    handoff_cell cell;
    CHECK_FALSE(cell.adopted_or_want());
    CHECK_FALSE(cell.adopted_or_want()); // still wanted, still unpublished
    CHECK(cell.publish(caf::actor{}, "peer"));
    CHECK(cell.adopted_or_want());
  }
  SECTION("racing: exactly one side learns the session is published") {
    // Either the server's look finds the session published, or the host
    // sees the server's mark and sends `adopted`: never both, never
    // neither (a `children` request would then wait for ever).
    for (int round = 0; round < 2000; ++round) {
      handoff_cell cell;
      std::atomic<bool> go{false};
      bool host_tells = false;
      std::thread host{[&] {
        while (!go.load())
          std::this_thread::yield();
        host_tells = cell.publish(caf::actor{}, "p");
      }};
      go.store(true);
      bool server_sees = cell.adopted_or_want();
      host.join();
      REQUIRE(server_sees != host_tells);
    }
  }
}
