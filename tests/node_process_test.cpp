#include <csignal>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <unistd.h>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"
#include "process_probe.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

caf::expected<registry_actor> connect_to(test_node& node, uint16_t port) {
  return connect_control(node.sys, "127.0.0.1", port, "", timeout_ms{5000});
}

} // namespace

TEST_CASE("pss-node with no arguments serves echo on 9923 and control on "
          "4242") {
  node_process node{{}};
  REQUIRE(node.proc.started());
  CHECK(node.read_control() == 4242);
  CHECK(node.read_started()
        == "started picoSocketServer_9923 port=9923 max=1024 packet=0");
  loopback_client client{9923};
  REQUIRE(client.send("hello"));
  CHECK(client.receive(5) == "hello");
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
}

TEST_CASE("pss-node starts every --server, naming unnamed ones by port") {
  node_process node{{"--control", "off", "--server", "echo,port=0,max=3",
                     "--server=echo,name=framed,packet=4", "--server",
                     "chat,port=0"}};
  auto first = node.read_started();
  auto second = node.read_started();
  auto third = node.read_started();
  REQUIRE(node.servers.size() == 3);
  for (auto& kvp : node.servers)
    if (kvp.first.rfind("picoSocketServer_", 0) == 0)
      CHECK(kvp.first == "picoSocketServer_" + std::to_string(kvp.second));
  CHECK(first.find(" max=3 packet=0") != std::string::npos);
  CHECK(second.rfind("started framed port=", 0) == 0);
  CHECK(second.find("packet=4") != std::string::npos);
  CHECK(third.find("max=1024 packet=line") != std::string::npos);
  loopback_client framed{node.servers["framed"]};
  REQUIRE(framed.send_framed("abc", 4));
  CHECK(framed.receive_framed(4) == "abc");
  node.proc.send_signal(SIGINT);
  CHECK(node.proc.wait_exit() == 0);
}

TEST_CASE("pss-node refuses bad starts with one line and status 2") {
  // A port that is taken for the whole test.
  test_node local;
  auto taken = start_server(local.reg, 0, 1, echo_fn());
  REQUIRE(taken);
  auto taken_port = std::to_string(taken->port);
  struct bad_start {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<bad_start> cases{
      {{"--server", "nosuch"}, "unknown handler 'nosuch'"},
      {{"--server", "echo,max=0"}, "max must be between 1"},
      {{"--server", "echo,port=x"}, "port must be a whole number"},
      {{"--server", "echo,packet=5"}, "packet type must be"},
      {{"--control", "off", "--server", "echo,port=" + taken_port},
       "address_in_use"},
      {{"--control", "off", "--server", "echo,bind=203.0.113.1"},
       "bind_failed"},
      {{"--control", "127.0.0.1:" + taken_port}, "control endpoint"},
      {{"--control", "somewhere"}, "--control"},
      {{"--frobnicate"}, "frobnicate"},
  };
  for (auto& x : cases) {
    node_process node{x.args};
    INFO(x.message);
    CHECK(node.proc.wait_exit() == 2);
    auto err = node.proc.stderr_text();
    CHECK(err.find(x.message) != std::string::npos);
    CHECK(err.find("pss-node: ") != std::string::npos);
  }
}

TEST_CASE("pss-node that fails half-way leaves nothing listening") {
  test_node local;
  auto taken = start_server(local.reg, 0, 1, echo_fn());
  REQUIRE(taken);
  // Find a free port for the first server, then make the second one fail.
  auto probe = start_server(local.reg, 0, 1, echo_fn());
  REQUIRE(probe);
  auto free_port = probe->port;
  REQUIRE(!stop_server(local.reg, probe->port));
  node_process node{{"--control", "off", "--server",
                     "echo,port=" + std::to_string(free_port), "--server",
                     "echo,port=" + std::to_string(taken->port)}};
  CHECK(node.proc.wait_exit() == 2);
  loopback_client client{free_port};
  CHECK(!client.connected());
}

TEST_CASE("actors on another node control pss-node through its endpoint") {
  node_process node{{"--control", "127.0.0.1:0", "--server",
                     "echo,name=remote_echo,port=0,max=5"}};
  auto control = node.read_control();
  REQUIRE(control != 0);
  node.read_started();
  auto echo_port = node.servers["remote_echo"];
  REQUIRE(echo_port != 0);
  test_node here;
  auto reg = connect_to(here, control);
  REQUIRE(reg);
  loopback_client client{echo_port};
  REQUIRE(client.send("x"));
  REQUIRE(client.receive(1) == "x");
  SECTION("status, port and children") {
    auto st = server_status(*reg, "remote_echo", timeout_ms{5000});
    REQUIRE(st);
    CHECK(st->num == 1);
    CHECK(st->max == 5);
    CHECK(*server_port(*reg, "remote_echo") == echo_port);
    auto kids = server_children(*reg, echo_port, timeout_ms{5000});
    REQUIRE(kids);
    REQUIRE(kids->size() == 1);
    CHECK(kids->front().peer.rfind("127.0.0.1:", 0) == 0);
    // The session's handle crosses the network: message it from here.
    caf::anon_send(kids->front().session, send_atom::value,
                   std::string{"from afar"});
    CHECK(client.receive(9) == "from afar");
    CHECK(server_status(*reg, "nope").error() == error::retrylater);
  }
  SECTION("start, list and stop") {
    server_spec spec;
    spec.handler = "echo";
    spec.name = "started_remotely";
    spec.max = 2;
    auto info = start_handler_server(*reg, spec, timeout_ms{5000});
    REQUIRE(info);
    CHECK(info->name == "started_remotely");
    loopback_client second{info->port};
    REQUIRE(second.send("y"));
    CHECK(second.receive(1) == "y");
    auto dup = start_handler_server(*reg, spec, timeout_ms{5000});
    CHECK(dup.error() == error::already_started);
    auto all = list_servers(*reg, timeout_ms{5000});
    REQUIRE(all);
    CHECK(all->size() == 2);
    REQUIRE(!stop_server(*reg, "started_remotely"));
    CHECK(second.wait_closed());
    CHECK(!stop_server(*reg, "started_remotely"));
    CHECK(list_servers(*reg)->size() == 1);
  }
  SECTION("live operations, sent by an actor of this node") {
    // An event-based actor asks the remote registry as any actor would:
    // raise the limit, then read the server's totals.
    std::promise<std::pair<status, server_totals>> answers;
    auto remote = *reg;
    here.sys.spawn(
        [&answers, remote](caf::event_based_actor* self, int) {
          self->request(remote, std::chrono::seconds(5), set_max_atom::value,
                        server_ref{"remote_echo"}, int32_t{7})
              .then([=, &answers](status st) {
                self->request(remote, std::chrono::seconds(5), info_atom::value,
                              server_ref{"remote_echo"})
                    .then([=, &answers](server_totals totals) {
                      answers.set_value({st, std::move(totals)});
                    });
              });
        },
        0);
    auto got = answers.get_future();
    REQUIRE(got.wait_for(std::chrono::seconds(10))
            == std::future_status::ready);
    auto [st, totals] = got.get();
    CHECK(st.max == 7);
    CHECK(totals.name == "remote_echo");
    CHECK(totals.max == 7);
    CHECK(totals.active == 1);
    CHECK(totals.accepted == 1);
    CHECK(totals.bytes_in == 1);
    REQUIRE(!suspend_server(*reg, "remote_echo", timeout_ms{5000}));
    loopback_client waiting{echo_port};
    REQUIRE(waiting.send("w"));
    CHECK(waiting.quiet_for(std::chrono::milliseconds(150)));
    REQUIRE(!resume_server(*reg, echo_port, timeout_ms{5000}));
    CHECK(waiting.receive(1) == "w");
    // Both sessions outlive the drain's timeout: the server closes them.
    auto report = drain_server(*reg, "remote_echo", 200, timeout_ms{10000});
    REQUIRE(report);
    CHECK(report->ended == 0);
    CHECK(report->closed == 2);
    CHECK(waiting.wait_closed());
    CHECK(server_status(*reg, "remote_echo").error() == error::retrylater);
  }
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
  CHECK(client.wait_closed());
}

TEST_CASE("pss-node --metrics serves Prometheus text over HTTP") {
  node_process node{{"--control", "off", "--metrics", "127.0.0.1:0", "--server",
                     "echo,name=scraped,port=0"}};
  auto line = read_line_starting(node.proc, "metrics 127.0.0.1:");
  REQUIRE(!line.empty());
  auto metrics_port = static_cast<uint16_t>(std::stoi(line.substr(18)));
  node.read_started();
  loopback_client scraper{metrics_port};
  REQUIRE(scraper.send("GET /metrics HTTP/1.0\r\n\r\n"));
  auto response = scraper.receive_until("\n# TYPE pss_sessions_max gauge\n");
  CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(response.find(R"(pss_sessions{server="scraped",port=")")
        != std::string::npos);
  CHECK(scraper.wait_closed());
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
}

TEST_CASE("chat delivers a line from one client to every client") {
  node_process node{{"--control", "off", "--server", "chat,name=room"}};
  node.read_started();
  auto port = node.servers["room"];
  loopback_client alice{port};
  loopback_client bob{port};
  loopback_client carol{port};
  // Make sure all three sessions joined before anyone speaks.
  for (auto* c : {&alice, &bob, &carol}) {
    REQUIRE(c->send("ready\n"));
    for (int i = 0; i < 3; ++i) {
      auto line = c->receive_until("\n");
      if (line == "ready\n")
        break;
    }
  }
  // Drain the other clients' "ready" lines still queued.
  for (auto* c : {&alice, &bob, &carol})
    while (!c->quiet_for(std::chrono::milliseconds(100)))
      c->receive_until("\n");
  REQUIRE(alice.send("hello all\n"));
  CHECK(bob.receive_until("\n") == "hello all\n");
  CHECK(carol.receive_until("\n") == "hello all\n");
  CHECK(alice.receive_until("\n") == "hello all\n");
}

TEST_CASE("idle-timeout ends a silent session") {
  node_process node{
      {"--control", "off", "--server", "echo,name=idle,idle-timeout=300"}};
  node.read_started();
  loopback_client silent{node.servers["idle"]};
  REQUIRE(silent.connected());
  CHECK(silent.wait_closed());
  CHECK(poll_until([&] {
    return node.proc.stderr_text().find("timeout: idle for 300 ms")
           != std::string::npos;
  }));
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
}

TEST_CASE("SIGTERM and SIGINT stop every server and session, exit 0") {
  for (int sig : {SIGTERM, SIGINT}) {
    node_process node{{"--control", "127.0.0.1:0", "--server", "echo,name=a",
                       "--server", "echo,name=b"}};
    node.read_control();
    node.read_started();
    node.read_started();
    loopback_client a{node.servers["a"]};
    loopback_client b{node.servers["b"]};
    REQUIRE(a.send("1"));
    REQUIRE(a.receive(1) == "1");
    REQUIRE(b.connected());
    node.proc.send_signal(sig);
    CHECK(node.proc.wait_exit() == 0);
    CHECK(a.wait_closed());
    CHECK(b.wait_closed());
    CHECK(node.proc.stderr_text().find("stopping every server")
          != std::string::npos);
  }
}

namespace {

// CPU time (user + system) the process `pid` has used, in clock ticks.

} // namespace

TEST_CASE("out of descriptors, pss-node neither spins nor wears its reserve "
          "away, answers pss-repl on every try, and serves the waiting "
          "clients once descriptors free up") {
  // 64 descriptors: a few dozen sessions fit; the rest of 120 clients wait
  // on a server that would take 1000.
  node_process node{"/usr/bin/prlimit",
                    {"--nofile=64:64", PSS_NODE_BINARY, "--control",
                     "127.0.0.1:0", "--server", "echo,name=scarce,max=1000"}};
  auto control = node.read_control();
  REQUIRE(control != 0);
  node.read_started();
  auto port = node.servers["scarce"];
  REQUIRE(port != 0);
  std::vector<std::unique_ptr<loopback_client>> clients;
  for (int i = 0; i < 120; ++i) {
    clients.emplace_back(new loopback_client(port));
    REQUIRE(clients.back()->connected());
    REQUIRE(clients.back()->send("x"));
  }
  // The first client is served: accepting works until descriptors run out.
  REQUIRE(clients.front()->receive(1) == "x");
  // The node notices that it should stop accepting.
  REQUIRE(poll_until([&] {
    return node.proc.stderr_text().find("out of file descriptors")
           != std::string::npos;
  }));
  // Over three seconds of shortage (twice as long as the reserve lasted
  // when every retry took one more descriptor), the operator gets an
  // answer on every try and the node idles: a spinning accept loop would
  // burn all of it.
  auto ticks_per_second = ::sysconf(_SC_CLK_TCK);
  auto before = cpu_ticks(node.proc.pid());
  auto start = std::chrono::steady_clock::now();
  int tries = 0;
  std::string num_before;
  while (std::chrono::steady_clock::now() - start < 3s) {
    child_process repl{PSS_REPL_BINARY,
                       {"--connect", "127.0.0.1:" + std::to_string(control),
                        "--timeout", "2000", "-e", "status scarce"}};
    INFO("try " << tries << ": " << repl.stderr_text());
    std::string line;
    REQUIRE(repl.read_line(line));
    CHECK(repl.wait_exit() == 0);
    // Num does not creep up: no retry takes a reserved descriptor.
    auto num = line.substr(0, line.find('/'));
    if (tries == 0)
      num_before = num;
    CHECK(num == num_before);
    ++tries;
  }
  auto elapsed
      = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  auto used = cpu_ticks(node.proc.pid()) - before;
  INFO("CPU ticks used in " << elapsed << " s: " << used << ", " << tries
                            << " pss-repl runs answered");
  CHECK(tries >= 3);
  // pss-repl's connections and answers included, well under a tenth.
  CHECK(used < ticks_per_second * elapsed / 10);
  // Every client is served in turn as the ones before it leave.
  for (size_t i = 0; i < clients.size(); ++i) {
    INFO("client " << i);
    if (i > 0)
      REQUIRE(clients[i]->receive(1) == "x");
    clients[i]->close();
  }
  node.proc.send_signal(SIGTERM);
  CHECK(node.proc.wait_exit() == 0);
}
