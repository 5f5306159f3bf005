#include <atomic>
#include <condition_variable>
#include <mutex>

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

TEST_CASE("an unnamed server is named after the port it really listens on") {
  test_node node;
  auto info = start_server(node.reg, 0, 5, echo_fn());
  REQUIRE(info);
  CHECK(info->port != 0);
  CHECK(info->name == "picoSocketServer_" + std::to_string(info->port));
  CHECK(*server_port(node.reg, info->name) == info->port);
  loopback_client client{info->port};
  REQUIRE(client.connected());
  REQUIRE(client.send("ping"));
  CHECK(client.receive(4) == "ping");
}

TEST_CASE("a second server under a taken name is refused and starts nothing") {
  test_node node;
  auto first = start_server(node.reg, "dup", 0, 5, echo_fn());
  REQUIRE(first);
  auto second = start_server(node.reg, "dup", 0, 5, echo_fn());
  REQUIRE(!second);
  CHECK(second.error() == error::already_started);
  auto all = list_servers(node.reg);
  REQUIRE(all);
  CHECK(all->size() == 1);
  SECTION("also when the taken name is a default name") {
    auto named = start_server(node.reg, "picoSocketServer_1", 0, 1, echo_fn());
    REQUIRE(named);
    auto clash = start_server(node.reg, "picoSocketServer_1", 0, 1, echo_fn());
    CHECK(clash.error() == error::already_started);
  }
}

TEST_CASE("a port in use is an error for the caller, not a crash") {
  test_node node;
  auto first = start_server(node.reg, 0, 5, echo_fn());
  REQUIRE(first);
  auto second = start_server(node.reg, "other", first->port, 5, echo_fn());
  REQUIRE(!second);
  CHECK(second.error() == error::address_in_use);
  CHECK(node.sys.render(second.error()).find("address_in_use")
        != std::string::npos);
  CHECK(list_servers(node.reg)->size() == 1);
  // The first server is untouched.
  loopback_client client{first->port};
  REQUIRE(client.send("still here"));
  CHECK(client.receive(10) == "still here");
}

TEST_CASE("an address that cannot be bound is a clear error") {
  test_node node;
  server_spec spec;
  spec.max = 1;
  spec.bind_address = "203.0.113.1"; // TEST-NET-3: never local, never reached
  auto result = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(!result);
  CHECK(result.error() == error::bind_failed);
}

TEST_CASE("max below one and other bad arguments are refused") {
  test_node node;
  for (auto max : {0, -1}) {
    auto result = start_server(node.reg, 0, max, echo_fn());
    REQUIRE(!result);
    CHECK(result.error() == error::invalid_argument);
  }
  auto too_big
      = start_raw_server(node.reg, 0, 1, echo_fn(), packet_type::u8, 1000);
  CHECK(too_big.error() == error::invalid_argument);
  auto no_fun = start_server(node.reg, 0, 1, session_function{});
  CHECK(no_fun.error() == error::invalid_argument);
  CHECK(list_servers(node.reg)->empty());
}

TEST_CASE("port, status and children answer by name, port and handle") {
  test_node node;
  auto info = start_server(node.reg, "by_all", 0, 7, echo_fn());
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send("x"));
  REQUIRE(client.receive(1) == "x");
  for (auto ref : {server_ref{info->name}, server_ref{info->port},
                   server_ref{info->server}}) {
    CHECK(*server_port(node.reg, ref) == info->port);
    auto st = server_status(node.reg, ref);
    REQUIRE(st);
    CHECK(st->num == 1);
    CHECK(st->max == 7);
    auto kids = server_children(node.reg, ref);
    REQUIRE(kids);
    REQUIRE(kids->size() == 1);
    CHECK(kids->front().peer.rfind("127.0.0.1:", 0) == 0);
    CHECK(kids->front().id == kids->front().session.id());
    CHECK(kids->front().bytes_in == 1);
    CHECK(kids->front().packets_out == 1);
  }
}

TEST_CASE("unknown names, ports and handles answer retrylater") {
  test_node node;
  auto gone = start_server(node.reg, 0, 1, echo_fn());
  REQUIRE(gone);
  REQUIRE(!stop_server(node.reg, gone->name));
  for (auto ref : {server_ref{"no_such_server"}, server_ref{uint16_t{1}},
                   server_ref{gone->server}}) {
    CHECK(server_port(node.reg, ref).error() == error::retrylater);
    CHECK(server_status(node.reg, ref).error() == error::retrylater);
    CHECK(server_children(node.reg, ref).error() == error::retrylater);
  }
  CHECK(describe(server_status(node.reg, "no_such_server").error())
        == "retrylater: no server no_such_server");
}

TEST_CASE("a server that does not answer in time gives timeout") {
  // A session that blocks its thread: with one I/O thread every broker of
  // the node shares it, so its server cannot answer either. (With several,
  // servers answer from a thread of their own: io_threads_test.)
  test_node node{1};
  std::mutex mtx;
  std::condition_variable cv;
  bool entered = false;
  bool released = false;
  session_function blocking = [&](session&) -> caf::behavior {
    std::unique_lock<std::mutex> guard{mtx};
    entered = true;
    cv.notify_all();
    cv.wait(guard, [&] { return released; });
    return {[](const packet&) {}};
  };
  auto info = start_server(node.reg, "stuck", 0, 2, blocking);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.connected());
  {
    std::unique_lock<std::mutex> guard{mtx};
    REQUIRE(cv.wait_for(guard, default_deadline, [&] { return entered; }));
  }
  auto answer = server_status(node.reg, "stuck", timeout_ms{200});
  CHECK(answer.error() == error::timeout);
  // The registry itself keeps answering while the server is stuck.
  CHECK(*server_port(node.reg, "stuck", timeout_ms{2000}) == info->port);
  {
    std::lock_guard<std::mutex> guard{mtx};
    released = true;
  }
  cv.notify_all();
  auto later = server_status(node.reg, "stuck", timeout_ms{5000});
  REQUIRE(later);
  CHECK(later->max == 2);
}

TEST_CASE("servers start by handler name, and unknown handlers are refused") {
  test_node node;
  server_spec spec;
  spec.handler = "echo";
  spec.max = 3;
  auto info = start_handler_server(node.reg, spec);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send("by name"));
  CHECK(client.receive(7) == "by name");
  spec.handler = "nope";
  auto bad = start_handler_server(node.reg, spec);
  REQUIRE(!bad);
  CHECK(bad.error() == error::unknown_handler);
}

TEST_CASE("the server list shows every server with its counts") {
  test_node node;
  auto a = start_server(node.reg, "alpha", 0, 3, echo_fn());
  auto b = start_raw_server(node.reg, "beta", 0, 9, session_options{},
                            echo_fn(), packet_type::u32, 0);
  REQUIRE(a);
  REQUIRE(b);
  loopback_client client{a->port};
  REQUIRE(client.send("1"));
  REQUIRE(client.receive(1) == "1");
  auto all = list_servers(node.reg);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK(all->at(0).name == "alpha");
  CHECK(all->at(0).num == 1);
  CHECK(all->at(0).max == 3);
  CHECK(all->at(0).packet == packet_type::raw);
  CHECK(all->at(1).name == "beta");
  CHECK(all->at(1).num == 0);
  CHECK(all->at(1).packet == packet_type::u32);
}

TEST_CASE("references parse from what a person types") {
  CHECK(*parse_server_ref("9923").port() == 9923);
  CHECK(*parse_server_ref("picoSocketServer_9923").name()
        == "picoSocketServer_9923");
  CHECK(*parse_server_ref("0").name() == "0");
  CHECK(*parse_server_ref("70000").name() == "70000");
  CHECK(*parse_server_ref("12ab").name() == "12ab");
}
