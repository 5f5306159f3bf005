// The examples of examples/ as users run them: pss-custom-node (a node with
// handlers of its own) and pss-autoscale (a controller in another process
// that watches a server through a node's control endpoint and moves its
// Max), against real nodes over 127.0.0.1. examples/kv has kv_test.

#include <chrono>
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"
#include "secret_file.hpp"
#include "test_node.hpp"

#include "pss/control.hpp"
#include "pss/proc_socket_server.hpp"

#include "scale_rule.hpp"

#ifndef PSS_CUSTOM_NODE_BINARY
#error "examples_test.cpp needs PSS_CUSTOM_NODE_BINARY"
#endif
#ifndef PSS_AUTOSCALE_BINARY
#error "examples_test.cpp needs PSS_AUTOSCALE_BINARY"
#endif

using namespace pss;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

/// A pss-node with a control endpoint behind a secret, running one echo
/// server `e` with Max 1.
struct watched_node {
  watched_node()
      : node({"--control", "127.0.0.1:0", "--secret-file", secret.path(),
              "--server", "echo,name=e,max=1,port=0"}) {
    control_port = node.read_control();
    node.read_started();
    data_port = node.servers["e"];
  }

  std::vector<std::string> autoscale_args(int ceiling) const {
    return {"--connect", "127.0.0.1:" + std::to_string(control_port),
            "--server", "e", "--ceiling", std::to_string(ceiling),
            "--interval", "20"};
  }

  secret_file secret;
  node_process node;
  uint16_t control_port = 0;
  uint16_t data_port = 0;
};

/// The environment that gives pss-autoscale the test's secret.
const std::map<std::string, std::string> with_secret{
    {secret_environment_variable, test_secret}};

/// A session of the echo server `e`, checked to be served.
std::unique_ptr<loopback_client> served_client(uint16_t port,
                                               const std::string& probe) {
  auto client = std::make_unique<loopback_client>(port);
  REQUIRE(client->connected());
  REQUIRE(client->send(probe));
  REQUIRE(client->receive(probe.size()) == probe);
  return client;
}

} // namespace

TEST_CASE("pss-custom-node serves its own handlers beside the built-in "
          "ones") {
  child_process node{PSS_CUSTOM_NODE_BINARY,
                     {"--control", "off", "--server",
                      "upper,name=up,port=0", "--server",
                      "sum,name=sums,port=0", "--server",
                      "echo,name=e,port=0", test_io_threads_option()}};
  std::map<std::string, uint16_t> ports;
  for (int i = 0; i < 3; ++i) {
    auto line = read_line_starting(node, "started ");
    REQUIRE(!line.empty());
    auto name_end = line.find(' ', 8);
    auto port_at = line.find("port=");
    ports[line.substr(8, name_end - 8)] =
        static_cast<uint16_t>(std::stoi(line.substr(port_at + 5)));
  }
  REQUIRE(ports.size() == 3);
  SECTION("upper answers in capitals, line by line") {
    loopback_client client{ports["up"]};
    CHECK(client.ask_line("shout") == "SHOUT");
    CHECK(client.ask_line("Mixed Case 42") == "MIXED CASE 42");
  }
  SECTION("sum keeps a running total per session") {
    loopback_client first{ports["sums"]};
    CHECK(first.ask_line("2") == "2");
    CHECK(first.ask_line("40") == "42");
    CHECK(first.ask_line("x") == "error: not an integer: x");
    CHECK(first.ask_line("-2") == "40");
    loopback_client second{ports["sums"]};
    CHECK(second.ask_line("5") == "5");
    CHECK(first.ask_line("0") == "40");
    // An overflow ends the session after its error line.
    CHECK(second.ask_line("9223372036854775807") == "error: overflow");
    CHECK(second.wait_closed());
  }
  SECTION("the built-in echo is still there") {
    loopback_client client{ports["e"]};
    REQUIRE(client.send("raw bytes"));
    CHECK(client.receive(9) == "raw bytes");
  }
  node.send_signal(SIGTERM);
  CHECK(node.wait_exit() == 0);
}

TEST_CASE("pss-autoscale raises a full server's Max up to the ceiling and "
          "lowers it when slots are spare, through a control endpoint with "
          "a secret") {
  watched_node target;
  child_process scaler{PSS_AUTOSCALE_BINARY, target.autoscale_args(3),
                       with_secret};
  CHECK(read_line_starting(scaler, "watching ") == "watching e max=1 num=0");
  std::vector<std::unique_ptr<loopback_client>> clients;
  clients.push_back(served_client(target.data_port, "a"));
  CHECK(read_line_starting(scaler, "raised ") == "raised e max=1->2 num=1");
  // With Max still 1 this client would wait in the backlog: being served
  // shows the raise reached the server.
  clients.push_back(served_client(target.data_port, "b"));
  CHECK(read_line_starting(scaler, "raised ") == "raised e max=2->3 num=2");
  clients.push_back(served_client(target.data_port, "c"));
  // At the ceiling nothing changes until sessions end; the next event must
  // be a lowering (a raise past the ceiling would be read here instead).
  clients.clear();
  std::string line;
  REQUIRE(scaler.read_line(line));
  CHECK(line == "lowered e max=3->2 num=0");
  REQUIRE(scaler.read_line(line));
  CHECK(line == "lowered e max=2->1 num=0");
  // What the node itself says, asked by another controller (a bare actor
  // system: a test_node would wait for the control connection to close).
  test_config cfg;
  caf::actor_system sys{cfg};
  auto reg = connect_control(sys, "127.0.0.1", target.control_port,
                             test_secret, timeout_ms{5000});
  REQUIRE(reg);
  CHECK(server_status(*reg, "e", timeout_ms{5000}) == status{0, 1});
  // A stopped server ends the watch, with exit status 0.
  REQUIRE(!stop_server(*reg, "e", timeout_ms{5000}));
  CHECK(read_line_starting(scaler, "gone ") == "gone e");
  CHECK(scaler.wait_exit() == 0);
}

TEST_CASE("pss-autoscale ends with a clear error for a wrong secret, an "
          "unknown server and a lost node") {
  watched_node target;
  SECTION("a wrong secret: exit status 2, unauthorized") {
    child_process scaler{PSS_AUTOSCALE_BINARY, target.autoscale_args(3),
                         {{secret_environment_variable,
                           "a wrong secret, long enough"}}};
    CHECK(scaler.wait_exit() == 2);
    CHECK_THAT(scaler.stderr_text(), Catch::Contains("unauthorized"));
  }
  SECTION("an unknown server: exit status 2, no server") {
    auto args = target.autoscale_args(3);
    args[3] = "nope";
    child_process scaler{PSS_AUTOSCALE_BINARY, args, with_secret};
    CHECK(scaler.wait_exit() == 2);
    CHECK_THAT(scaler.stderr_text(), Catch::Contains("no server nope"));
  }
  SECTION("a floor above the ceiling: exit status 2") {
    auto args = target.autoscale_args(3);
    args.insert(args.end(), {"--floor", "4"});
    child_process scaler{PSS_AUTOSCALE_BINARY, args, with_secret};
    CHECK(scaler.wait_exit() == 2);
    CHECK_THAT(scaler.stderr_text(), Catch::Contains("--floor"));
  }
  SECTION("a node that dies: exit status 1, without waiting for timeouts") {
    child_process scaler{PSS_AUTOSCALE_BINARY, target.autoscale_args(3),
                         with_secret};
    REQUIRE(!read_line_starting(scaler, "watching ").empty());
    target.node.proc.send_signal(SIGKILL);
    // Requests time out after 2 s, three in a row after 6 s: the exit comes
    // from the lost connection well before that.
    auto started = std::chrono::steady_clock::now();
    CHECK(scaler.wait_exit() == 1);
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK_THAT(scaler.stderr_text(), Catch::Contains("lost the node"));
  }
  SECTION("a signal: exit status 0") {
    child_process scaler{PSS_AUTOSCALE_BINARY, target.autoscale_args(3),
                         with_secret};
    REQUIRE(!read_line_starting(scaler, "watching ").empty());
    scaler.send_signal(SIGTERM);
    CHECK(scaler.wait_exit() == 0);
  }
}

TEST_CASE("the autoscaler's rule moves Max one step at a time between floor "
          "and ceiling") {
  autoscale::scale_rule rule{2, 10, 3};
  using autoscale::next_max;
  // Full: one step up, capped at the ceiling; at the ceiling: unchanged.
  CHECK(next_max(rule, status{2, 2}) == 5);
  CHECK(next_max(rule, status{8, 8}) == 10);
  CHECK(next_max(rule, status{10, 10}) == 10);
  // A step's worth spare: one step down, never below the floor and always
  // above the sessions running.
  CHECK(next_max(rule, status{1, 8}) == 5);
  CHECK(next_max(rule, status{0, 4}) == 2);
  CHECK(next_max(rule, status{4, 8}) == 5);
  CHECK(next_max(rule, status{0, 2}) == 2);
  // Busy but not full: unchanged.
  CHECK(next_max(rule, status{5, 8}) == 8);
  CHECK(next_max(rule, status{6, 8}) == 8);
}
