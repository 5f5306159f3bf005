// Live operations on running servers from C++: set_max, suspend/resume,
// drain, and the totals of `info`. Remote callers send the same registry
// messages (node_process_test, repl_test).

#include <map>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

using client_ptr = std::unique_ptr<loopback_client>;

// Connects a client and has it served once (an echo round trip).
client_ptr served_client(uint16_t port, const std::string& token) {
  auto c = std::make_unique<loopback_client>(port);
  REQUIRE(c->send(token));
  REQUIRE(c->receive(token.size()) == token);
  return c;
}

// A client that connects and sends, but is not served (yet).
client_ptr waiting_client(uint16_t port, const std::string& token) {
  auto c = std::make_unique<loopback_client>(port);
  REQUIRE(c->connected());
  REQUIRE(c->send(token));
  return c;
}

} // namespace

TEST_CASE("set_max raised serves waiting clients at once") {
  test_node node;
  auto info = start_server(node.reg, "lim", 0, 1, echo_fn());
  REQUIRE(info);
  auto c1 = served_client(info->port, "a");
  auto c2 = waiting_client(info->port, "b");
  auto c3 = waiting_client(info->port, "c");
  CHECK(c2->quiet_for(std::chrono::milliseconds(150)));
  auto st = set_max(node.reg, "lim", 3);
  REQUIRE(st);
  CHECK(st->max == 3);
  CHECK(c2->receive(1) == "b");
  CHECK(c3->receive(1) == "c");
  CHECK(status_is(node, "lim", 3, 3));
  CHECK(list_servers(node.reg)->at(0).max == 3);
}

TEST_CASE("set_max lowered cuts no session and accepts again below it") {
  test_node node;
  auto info = start_server(node.reg, "lim", 0, 3, echo_fn());
  REQUIRE(info);
  std::vector<client_ptr> clients;
  for (auto token : {"1", "2", "3"})
    clients.push_back(served_client(info->port, token));
  auto st = set_max(node.reg, info->port, 1);
  REQUIRE(st);
  CHECK(st->num == 3);
  CHECK(st->max == 1);
  // Existing sessions go on.
  for (auto& c : clients) {
    REQUIRE(c->send("again"));
    CHECK(c->receive(5) == "again");
  }
  auto late = waiting_client(info->port, "L");
  clients[0]->close();
  clients[1]->close();
  // Num 1 = Max 1: still not served.
  CHECK(poll_until([&] { return status_is(node, "lim", 1, 1); }));
  CHECK(late->quiet_for(std::chrono::milliseconds(150)));
  clients[2]->close();
  CHECK(late->receive(1) == "L");
}

TEST_CASE("set_max refuses a limit below 1 and unknown servers") {
  test_node node;
  auto info = start_server(node.reg, "lim", 0, 2, echo_fn());
  REQUIRE(info);
  auto bad = set_max(node.reg, "lim", 0);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == error::invalid_argument);
  CHECK(status_is(node, "lim", 0, 2));
  auto unknown = set_max(node.reg, "nope", 5);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == error::retrylater);
}

TEST_CASE("suspend keeps clients waiting in the backlog, resume serves them") {
  test_node node;
  auto info = start_server(node.reg, "s", 0, 10, echo_fn());
  REQUIRE(info);
  auto before = served_client(info->port, "x");
  REQUIRE_FALSE(suspend_server(node.reg, "s"));
  // The listening socket stays open: clients connect, but nobody serves them.
  auto waiting = waiting_client(info->port, "w");
  CHECK(waiting->quiet_for(std::chrono::milliseconds(200)));
  // Running sessions are not affected.
  REQUIRE(before->send("y"));
  CHECK(before->receive(1) == "y");
  CHECK(server_info_totals(node.reg, "s")->suspended);
  REQUIRE_FALSE(resume_server(node.reg, "s"));
  CHECK(waiting->receive(1) == "w");
  CHECK_FALSE(server_info_totals(node.reg, "s")->suspended);
  CHECK(suspend_server(node.reg, "nope") == error::retrylater);
}

TEST_CASE("drain lets sessions finish and then stops the server") {
  test_node node;
  auto info = start_server(node.reg, "d", 0, 1, echo_fn());
  REQUIRE(info);
  auto a = served_client(info->port, "a");
  auto b = waiting_client(info->port, "b"); // waits for the only slot
  CHECK(poll_until([&] {
    auto t = server_info_totals(node.reg, "d");
    return t && t->waiting == 1;
  }));
  std::thread closer{[&] {
    // The session ends on its own while the drain waits.
    poll_until([&] { return server_info_totals(node.reg, "d")->draining; });
    REQUIRE(a->send("z"));
    a->receive(1);
    a->close();
  }};
  auto report = drain_server(node.reg, "d", 10'000);
  closer.join();
  REQUIRE(report);
  CHECK(report->ended == 1);
  CHECK(report->closed == 0);
  CHECK(report->unserved == 1);
  CHECK(b->wait_closed());
  // The server is gone and its port is free.
  CHECK(server_status(node.reg, "d").error() == error::retrylater);
  loopback_client refused{info->port};
  CHECK_FALSE(refused.connected());
}

TEST_CASE("drain closes the sessions left when its timeout passes") {
  test_node node;
  auto info = start_server(node.reg, "d", 0, 5, echo_fn());
  REQUIRE(info);
  auto a = served_client(info->port, "a");
  auto b = served_client(info->port, "b");
  auto report = drain_server(node.reg, info->port, 100);
  REQUIRE(report);
  CHECK(report->ended == 0);
  CHECK(report->closed == 2);
  CHECK(a->wait_closed());
  CHECK(b->wait_closed());
  CHECK(server_status(node.reg, "d").error() == error::retrylater);
}

TEST_CASE("drain of an idle server stops it at once, and stop ends a drain") {
  test_node node;
  auto idle = start_server(node.reg, "idle", 0, 5, echo_fn());
  REQUIRE(idle);
  auto report
      = drain_server(node.reg, "idle", 60'000, std::chrono::milliseconds(5000));
  REQUIRE(report);
  CHECK(report->ended == 0);
  CHECK(report->closed == 0);
  auto busy = start_server(node.reg, "busy", 0, 5, echo_fn());
  REQUIRE(busy);
  auto c = served_client(busy->port, "c");
  caf::expected<drain_report> stopped{caf::error{}};
  std::thread drainer{
      [&] { stopped = drain_server(node.reg, "busy", 60'000); }};
  CHECK(poll_until([&] {
    auto t = server_info_totals(node.reg, "busy");
    return t && t->draining;
  }));
  // New clients are not served while the server drains.
  auto late = std::make_unique<loopback_client>(busy->port);
  CHECK(late->quiet_for(std::chrono::milliseconds(100)));
  REQUIRE_FALSE(stop_server(node.reg, "busy"));
  drainer.join();
  REQUIRE(stopped);
  CHECK(stopped->closed == 1);
  CHECK(c->wait_closed());
  CHECK(drain_server(node.reg, "nope", 10).error() == error::retrylater);
}

TEST_CASE("info counts sessions, errors by reason, refused frames and bytes") {
  test_node node;
  server_spec spec;
  spec.name = "counted";
  spec.max = 10;
  spec.packet = packet_type::u16;
  spec.packet_size = 16;
  auto info = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(info);
  {
    auto c1 = std::make_unique<loopback_client>(info->port);
    auto c2 = std::make_unique<loopback_client>(info->port);
    REQUIRE(c1->send_framed("hello", 2));
    REQUIRE(c2->send_framed("world!", 2));
    CHECK(c1->receive_framed(2) == "hello");
    CHECK(c2->receive_framed(2) == "world!");
    auto t = server_info_totals(node.reg, "counted");
    REQUIRE(t);
    CHECK(t->active == 2);
    CHECK(t->accepted == 2);
    CHECK(t->peak == 2);
    CHECK(t->packets_in == 2);
    CHECK(t->bytes_in == 7 + 8);
    CHECK(t->bytes_out == 7 + 8);
  }
  // Both closed cleanly; then one peer sends an oversized frame.
  CHECK(poll_until([&] { return status_is(node, "counted", 0); }));
  auto bad = std::make_unique<loopback_client>(info->port);
  REQUIRE(bad->send_framed(std::string(17, 'x'), 2));
  CHECK(bad->wait_closed());
  server_totals t;
  CHECK(poll_until([&] {
    auto got = server_info_totals(node.reg, "counted");
    if (!got || got->active != 0 || got->accepted != 3)
      return false;
    t = *got;
    return true;
  }));
  CHECK(t.name == "counted");
  CHECK(t.port == info->port);
  CHECK(t.max == 10);
  CHECK(t.peak == 2);
  CHECK(t.ended_clean == 2);
  CHECK(t.ended_error == 1);
  CHECK(t.errors == std::map<std::string, uint64_t>{{"packet_too_large", 1}});
  CHECK(t.refused_frames == 1);
  CHECK(t.bytes_in >= 15 + 2);
  CHECK(t.packets_out == 2);
  CHECK(server_info_totals(node.reg, "nope").error() == error::retrylater);
}
