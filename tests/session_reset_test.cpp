// A peer that resets its connection is gone: nobody can read replies any
// more. Its session must end at once (docs/limits.md, "Peers":
// "resets the connection, also mid-packet: ends that
// session"), even while replies it reserved are still being computed,
// instead of holding its place in `Num` until they are.

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

TEST_CASE("a peer that resets ends its session while a reserved reply is "
          "pending") {
  auto mode = GENERATE(run_mode::io, run_mode::pool, run_mode::thread);
  // Without a pending reply the session ends: what the test compares with.
  auto reserve = GENERATE(false, true);
  CAPTURE(to_string(mode), reserve);
  test_node node;
  // Acknowledges every line, then reserves a reply for it and fills none:
  // the answer of a long computation that has not finished yet.
  auto fun = [reserve](session& s) -> caf::behavior {
    auto pending = std::make_shared<std::vector<reply_slot>>();
    return {
        [&s, pending, reserve](const packet&) {
          s.send("taken");
          if (reserve)
            pending->push_back(s.reserve_reply());
        },
    };
  };
  server_spec spec;
  spec.max = 2;
  spec.packet = packet_type::line;
  spec.session.runs_on = mode;
  auto info = start_raw_server(node.reg, spec, fun);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send("compute\n"));
  REQUIRE(client.receive_until("\n") == "taken\n");
  client.reset();
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}
