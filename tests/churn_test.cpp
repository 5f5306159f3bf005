#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "process_probe.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

TEST_CASE("servers started and stopped in a loop leave no descriptor behind") {
  test_node node;
  // Warm up: the first server brings the middleman's own descriptors up.
  auto warm = start_server(node.reg, 0, 1, echo_fn());
  REQUIRE(warm);
  REQUIRE(!stop_server(node.reg, warm->name));
  auto before = own_descriptors();
  for (int round = 0; round < 100; ++round) {
    auto info = start_server(node.reg, 0, 1, echo_fn());
    REQUIRE(info);
    if (round % 2 == 0) {
      // Half the servers stop while full, their doorman halted.
      loopback_client client{info->port};
      REQUIRE(client.send("x"));
      REQUIRE(client.receive(1) == "x");
      REQUIRE(!stop_server(node.reg, info->port));
      REQUIRE(client.wait_closed());
    } else {
      REQUIRE(!stop_server(node.reg, info->name));
    }
  }
  CHECK(list_servers(node.reg)->empty());
  CHECK(poll_until([&] { return own_descriptors() <= before; }));
  INFO("descriptors before " << before << ", after " << own_descriptors());
}

TEST_CASE("connections opened and closed in a loop leave nothing behind") {
  test_node node;
  auto info = start_server(node.reg, "churn", 0, 8, echo_fn());
  REQUIRE(info);
  {
    loopback_client warm{info->port};
    REQUIRE(warm.send("w"));
    REQUIRE(warm.receive(1) == "w");
  }
  REQUIRE(
      poll_until([&] { return server_status(node.reg, "churn")->num == 0; }));
  auto before = own_descriptors();
  for (int round = 0; round < 300; ++round) {
    loopback_client client{info->port};
    REQUIRE(client.send("ping"));
    REQUIRE(client.receive(4) == "ping");
    if (round % 3 == 0)
      client.reset();
  }
  CHECK(poll_until([&] { return server_status(node.reg, "churn")->num == 0; }));
  CHECK(server_children(node.reg, "churn")->empty());
  CHECK(poll_until([&] { return own_descriptors() <= before; }));
  INFO("descriptors before " << before << ", after " << own_descriptors());
}
