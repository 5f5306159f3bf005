#include <memory>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

bool is_registered(test_node& node, const std::string& name) {
  auto all = list_servers(node.reg);
  if (!all)
    return false;
  for (auto& info : *all)
    if (info.name == name)
      return true;
  return false;
}

} // namespace

TEST_CASE("stop closes every session and is idempotent") {
  test_node node;
  auto info = start_server(node.reg, "doomed", 0, 10, echo_fn());
  REQUIRE(info);
  std::vector<std::unique_ptr<loopback_client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(new loopback_client(info->port));
    REQUIRE(clients.back()->send("x"));
    REQUIRE(clients.back()->receive(1) == "x");
  }
  server_ref ref;
  SECTION("by name") {
    ref = info->name;
  }
  SECTION("by port") {
    ref = info->port;
  }
  SECTION("by handle") {
    ref = info->server;
  }
  CHECK(!stop_server(node.reg, ref));
  for (auto& client : clients)
    CHECK(client->wait_closed());
  // stop_server returns once the server is gone.
  CHECK(!is_registered(node, "doomed"));
  CHECK(server_status(node.reg, ref).error() == error::retrylater);
  CHECK(!stop_server(node.reg, ref));
  CHECK(!stop_server(node.reg, "never_existed"));
  CHECK(!stop_server(node.reg, uint16_t{1}));
}

TEST_CASE("a stopped server's name and port can be used again") {
  test_node node;
  auto first = start_server(node.reg, "again", 0, 1, echo_fn());
  REQUIRE(first);
  REQUIRE(!stop_server(node.reg, "again"));
  caf::expected<server_info> second{caf::error{}};
  // The socket closes on the I/O thread just after the server is gone.
  CHECK(poll_until([&] {
    second = start_server(node.reg, "again", first->port, 1, echo_fn());
    return static_cast<bool>(second);
  }));
  REQUIRE(second);
  CHECK(second->port == first->port);
  loopback_client client{second->port};
  REQUIRE(client.send("back"));
  CHECK(client.receive(4) == "back");
}

TEST_CASE("a server tied to a parent stops when the parent dies") {
  test_node node;
  // Spawned with an argument: CAF 0.17 dereferences a null pointer (UBSan
  // reports it) when a function actor is spawned without any.
  auto parent = node.sys.spawn(
      [](caf::event_based_actor* self, int quit_on) -> caf::behavior {
        return {[self, quit_on](int x) {
          if (x == quit_on)
            self->quit();
        }};
      },
      1);
  server_spec spec;
  spec.name = "child_of_parent";
  spec.max = 2;
  spec.parent = parent;
  auto info = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send("x"));
  REQUIRE(client.receive(1) == "x");
  SECTION("killed") {
    caf::anon_send_exit(parent, caf::exit_reason::kill);
  }
  SECTION("ending normally") {
    caf::anon_send(parent, 1);
  }
  CHECK(client.wait_closed());
  CHECK(poll_until([&] { return !is_registered(node, "child_of_parent"); }));
}

TEST_CASE("shutting the registry down stops every server and session") {
  auto node = std::make_unique<test_node>();
  auto a = start_server(node->reg, 0, 2, echo_fn());
  auto b = start_server(node->reg, 0, 2, echo_fn());
  REQUIRE(a);
  REQUIRE(b);
  loopback_client ca{a->port};
  loopback_client cb{b->port};
  REQUIRE(ca.send("a"));
  REQUIRE(cb.send("b"));
  REQUIRE(ca.receive(1) == "a");
  REQUIRE(cb.receive(1) == "b");
  shutdown_registry(node->reg);
  CHECK(ca.wait_closed());
  CHECK(cb.wait_closed());
  // The actor system can now end: nothing of pss is left running.
  node.reset();
}
