#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

TEST_CASE("at max the server stops accepting and serves waiters in order") {
  test_node node;
  auto info = start_server(node.reg, 0, 2, echo_fn());
  REQUIRE(info);
  loopback_client c1{info->port};
  loopback_client c2{info->port};
  REQUIRE(c1.send("1"));
  REQUIRE(c2.send("2"));
  CHECK(c1.receive(1) == "1");
  CHECK(c2.receive(1) == "2");
  CHECK(status_is(node, info->port, 2, 2));
  // Beyond Max, clients connect (the kernel backlog holds them) but wait.
  loopback_client c3{info->port};
  loopback_client c4{info->port};
  REQUIRE(c3.connected());
  REQUIRE(c4.connected());
  REQUIRE(c3.send("3"));
  REQUIRE(c4.send("4"));
  CHECK(c3.quiet_for(std::chrono::milliseconds(200)));
  CHECK(status_is(node, info->port, 2, 2));
  // One session ends: the first waiter, and only it, is served.
  c1.close();
  CHECK(c3.receive(1) == "3");
  CHECK(c4.quiet_for(std::chrono::milliseconds(200)));
  CHECK(poll_until([&] { return status_is(node, info->port, 2, 2); }));
  c2.close();
  CHECK(c4.receive(1) == "4");
  c3.close();
  c4.close();
  CHECK(poll_until([&] { return status_is(node, info->port, 0, 2); }));
}

TEST_CASE("no waiting client is refused or dropped, and all are served in "
          "order") {
  test_node node;
  auto info = start_server(node.reg, 0, 1, echo_fn());
  REQUIRE(info);
  constexpr int clients = 25;
  std::vector<std::unique_ptr<loopback_client>> waiting;
  for (int i = 0; i < clients; ++i) {
    waiting.emplace_back(new loopback_client(info->port));
    REQUIRE(waiting.back()->connected());
    REQUIRE(waiting.back()->send("client " + std::to_string(i) + ";"));
  }
  // With Max = 1, client i can only be served after client i-1 leaves; a
  // client served out of order would leave this loop waiting for an echo.
  for (int i = 0; i < clients; ++i) {
    auto expected = "client " + std::to_string(i) + ";";
    CHECK(waiting[i]->receive(expected.size()) == expected);
    waiting[i]->close();
  }
  CHECK(poll_until([&] { return status_is(node, info->port, 0, 1); }));
}

TEST_CASE("status counts sessions as they start and end") {
  test_node node;
  auto info = start_server(node.reg, "counted", 0, 10, echo_fn());
  REQUIRE(info);
  CHECK(status_is(node, "counted", 0, 10));
  std::vector<std::unique_ptr<loopback_client>> clients;
  for (int i = 1; i <= 4; ++i) {
    clients.emplace_back(new loopback_client(info->port));
    REQUIRE(clients.back()->send("x"));
    REQUIRE(clients.back()->receive(1) == "x");
    CHECK(status_is(node, "counted", i, 10));
  }
  CHECK(server_children(node.reg, "counted")->size() == 4);
  clients.clear();
  CHECK(poll_until([&] { return status_is(node, "counted", 0, 10); }));
  CHECK(server_children(node.reg, "counted")->empty());
}
