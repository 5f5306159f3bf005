// Several I/O threads (docs/io-threads.md): the original's contract across
// threads, and a blocked thread that stalls neither control nor the others.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "churn_load.hpp"
#include "deadline.hpp"
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

// A tag of the calling thread, 8 characters.
std::string thread_tag() {
  char tag[9];
  std::snprintf(tag, sizeof(tag), "%08x",
                static_cast<unsigned>(
                    std::hash<std::thread::id>{}(std::this_thread::get_id())));
  return tag;
}

// Echo, except that the packet "block" blocks the session's I/O thread
// for `block_ms` before its echo (what a careless `io` handler does), and
// "where" answers the tag of the thread the session runs on.
session_function blocking_echo(int block_ms) {
  return [block_ms](session& self) -> caf::behavior {
    self.on_packet([&self, block_ms](caf::string_view payload) {
      std::string text(payload.data(), payload.size());
      if (text == "where") {
        self.send(thread_tag());
        return;
      }
      if (text == "block")
        std::this_thread::sleep_for(std::chrono::milliseconds(block_ms));
      self.send(payload);
    });
    return {};
  };
}

// The thread tag of `client`'s session.
std::string where(loopback_client& client) {
  REQUIRE(client.send("where"));
  return client.receive(8);
}

// Two sessions of a `blocking_echo` server `name` on `port`, on different
// I/O threads; then `blocked`'s session is told to block its thread. Which
// thread accepts a client is the kernel's choice (it wakes an idle one,
// docs/io-threads.md): a client that lands on the first one's thread is
// closed, and another one tried, until the server is back to one session.
std::pair<loopback_client, loopback_client>
block_one_of_two(test_node& node, const std::string& name, uint16_t port) {
  loopback_client blocked{port};
  auto first = where(blocked);
  REQUIRE(first.size() == 8);
  for (int attempt = 0; attempt < 50; ++attempt) {
    loopback_client other{port};
    if (where(other) != first) {
      REQUIRE(blocked.send("block"));
      return {std::move(blocked), std::move(other)};
    }
    other.close();
    REQUIRE(poll_until([&] { return status_is(node, name, 1); }));
  }
  FAIL("50 clients in a row ran on the first client's thread");
  return {loopback_client{port}, loopback_client{port}};
}

} // namespace

TEST_CASE("with two I/O threads sessions run on both and Max stays exact") {
  test_node node{2};
  auto live = std::make_shared<live_sessions>();
  auto info = start_server(node.reg, "two", 0, 8, counted_echo(live));
  REQUIRE(info);
  std::vector<std::unique_ptr<loopback_client>> clients;
  // Of the threads asleep the kernel wakes one, and a thread that holds
  // more of the server's sessions steps back: eight clients in a row do
  // not all land on one thread.
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back(new loopback_client(info->port));
    REQUIRE(clients.back()->send("x"));
    REQUIRE(clients.back()->receive(1) == "x");
  }
  CHECK(live->thread_count() == 2);
  CHECK(status_is(node, "two", 8, 8));
  // The fifth waits in the backlog and is served when one session ends.
  loopback_client waiting{info->port};
  REQUIRE(waiting.send("w"));
  CHECK(waiting.quiet_for(std::chrono::milliseconds(200)));
  clients.front()->close();
  CHECK(waiting.receive(1) == "w");
  CHECK(poll_until([&] { return status_is(node, "two", 8, 8); }));
  CHECK(server_children(node.reg, "two")->size() == 8);
  clients.clear();
  waiting.close();
  CHECK(poll_until([&] { return status_is(node, "two", 0, 8); }));
  CHECK(live->peak.load() == 8);
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
  auto [blocked, other] = block_one_of_two(node, "blocky", info->port);
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
  auto [blocked, other] = block_one_of_two(node, "blocky", info->port);
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
