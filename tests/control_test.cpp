#include <csignal>
#include <cstdlib>
#include <string>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "control/control_dial.hpp"
#include "control/reply_scrub.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"
#include "secret_file.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

constexpr timeout_ms answer_in{5000};

/// A pss-node whose control endpoint asks for `test_secret`, serving the
/// echo server `alpha` (max 5). Tests declare their `test_node` before it:
/// the test node's end waits for its connections to close, which the
/// node's end (it is killed) does.
struct gated_node {
  explicit gated_node(std::vector<std::string> control
                      = {"--control", "127.0.0.1:0"})
      : node(with_secret(std::move(control), secret.path())) {
    port = node.read_control();
    node.read_started();
    alpha = node.servers["alpha"];
  }

  static std::vector<std::string> with_secret(std::vector<std::string> args,
                                              const std::string& path) {
    args.insert(args.end(),
                {"--secret-file", path, "--server", "echo,name=alpha,max=5"});
    return args;
  }

  /// Whether the node's log has a line containing every one of `parts`.
  bool logged(const std::vector<std::string>& parts) {
    auto found = poll_until([&] {
      auto text = node.proc.stderr_text();
      size_t begin = 0;
      for (auto end = text.find('\n'); end != std::string::npos;
           begin = end + 1, end = text.find('\n', begin)) {
        auto line = text.substr(begin, end - begin);
        bool all = true;
        for (auto& part : parts)
          all = all && line.find(part) != std::string::npos;
        if (all)
          return true;
      }
      return false;
    });
    if (!found)
      UNSCOPED_INFO("the node's log:\n" << node.proc.stderr_text());
    return found;
  }

  secret_file secret;
  node_process node;
  uint16_t port = 0;
  uint16_t alpha = 0;
};

/// Whether the echo server on `port` still answers.
bool echoes(uint16_t port) {
  loopback_client client{port};
  return client.send("ping") && client.receive(4) == "ping";
}

/// The gate itself, as any peer of the node that passed the door reaches
/// it: no stand-in, no envelope unless the test makes one.
caf::actor raw_gate(test_node& here, uint16_t port) {
  auto gate
      = connect_published(here.sys, "127.0.0.1", port, test_secret, answer_in);
  return gate ? *gate : caf::actor{};
}

/// Sends `request` to `gate` in an envelope; returns the error of the
/// answer (none for a value).
caf::error ask_gate(test_node& here, const caf::actor& gate,
                    caf::message request) {
  caf::scoped_actor self{here.sys};
  caf::error result;
  self->request(gate, std::chrono::seconds(5), auth_atom::value,
                std::move(request))
      .receive([](caf::message&) {}, [&](caf::error& err) { result = err; });
  return result;
}

server_spec echo_spec(const std::string& name) {
  server_spec spec;
  spec.handler = "echo";
  spec.name = name;
  spec.max = 2;
  return spec;
}

} // namespace

TEST_CASE("with the right secret, servers start, answer and stop through "
          "the control gate") {
  test_node here;
  gated_node gated;
  auto reg = connect_control(here.sys, "127.0.0.1", gated.port, test_secret,
                             answer_in);
  REQUIRE(reg);
  auto info = start_handler_server(*reg, echo_spec("beta"), answer_in);
  REQUIRE(info);
  CHECK(info->name == "beta");
  CHECK(info->max == 2);
  loopback_client client{info->port};
  REQUIRE(client.send("x"));
  REQUIRE(client.receive(1) == "x");
  auto st = server_status(*reg, "beta", answer_in);
  REQUIRE(st);
  CHECK(*st == status{1, 2});
  CHECK(*server_port(*reg, "beta", answer_in) == info->port);
  auto kids = server_children(*reg, info->port, answer_in);
  REQUIRE(kids);
  REQUIRE(kids->size() == 1);
  CHECK(kids->front().peer.rfind("127.0.0.1:", 0) == 0);
  CHECK(list_servers(*reg, answer_in)->size() == 2);
  // Errors pass through the gate as the registry gives them.
  CHECK(start_handler_server(*reg, echo_spec("beta"), answer_in).error()
        == error::already_started);
  CHECK(server_status(*reg, "nope", answer_in).error() == error::retrylater);
  // A request the registry does not know gets the registry's error.
  auto gate = raw_gate(here, gated.port);
  REQUIRE(gate);
  CHECK(ask_gate(here, gate, caf::make_message(list_atom::value, 42))
        == caf::sec::unexpected_message);
  // Code does not travel: a start with a session function stops here.
  CHECK(start_raw_server(*reg, 0, 1, echo_fn(), packet_type::raw, 0).error()
        == error::invalid_argument);
  REQUIRE(!stop_server(*reg, "beta", answer_in));
  CHECK(client.wait_closed());
  CHECK(list_servers(*reg, answer_in)->size() == 1);
}

TEST_CASE("live operations work through the control gate") {
  test_node here;
  gated_node gated;
  auto reg = connect_control(here.sys, "127.0.0.1", gated.port, test_secret,
                             answer_in);
  REQUIRE(reg);
  auto st = set_max(*reg, "alpha", 9, answer_in);
  REQUIRE(st);
  CHECK(*st == status{0, 9});
  REQUIRE(!suspend_server(*reg, gated.alpha, answer_in));
  auto totals = server_info_totals(*reg, "alpha", answer_in);
  REQUIRE(totals);
  CHECK(totals->name == "alpha");
  CHECK(totals->suspended);
  REQUIRE(!resume_server(*reg, "alpha", answer_in));
  CHECK(echoes(gated.alpha));
  auto report = drain_server(*reg, "alpha", 1000, answer_in);
  REQUIRE(report);
  CHECK(report->closed == 0);
  CHECK(server_status(*reg, "alpha", answer_in).error() == error::retrylater);
}

TEST_CASE("replies through the control gate carry no actor handles") {
  test_node here;
  gated_node gated;
  auto reg = connect_control(here.sys, "127.0.0.1", gated.port, test_secret,
                             answer_in);
  REQUIRE(reg);
  loopback_client client{gated.alpha};
  REQUIRE(client.send("x"));
  REQUIRE(client.receive(1) == "x");
  auto info = start_handler_server(*reg, echo_spec("beta"), answer_in);
  REQUIRE(info);
  CHECK(info->server == nullptr);
  auto all = list_servers(*reg, answer_in);
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  for (auto& server : *all)
    CHECK(server.server == nullptr);
  auto kids = server_children(*reg, "alpha", answer_in);
  REQUIRE(kids);
  REQUIRE(kids->size() == 1);
  CHECK(kids->front().session == nullptr);
  CHECK(kids->front().id != 0);
}

TEST_CASE("a wrong or missing secret is refused at the door and logged") {
  test_node here;
  gated_node gated;
  auto wrong = connect_control(here.sys, "127.0.0.1", gated.port,
                               "not the secret at all", answer_in);
  REQUIRE(!wrong);
  CHECK(wrong.error() == error::unauthorized);
  CHECK(describe(wrong.error()) == "unauthorized: wrong secret");
  CHECK(gated.logged(
      {"refused control connection from 127.0.0.1:", "wrong secret"}));
  // A secret that is right but for its last character is as wrong.
  auto almost = std::string{test_secret};
  almost.back() ^= 1;
  CHECK(connect_control(here.sys, "127.0.0.1", gated.port, almost, answer_in)
            .error()
        == error::unauthorized);
  auto none = connect_control(here.sys, "127.0.0.1", gated.port, "", answer_in);
  REQUIRE(!none);
  CHECK(none.error() == error::unauthorized);
  CHECK(describe(none.error()).find("asks for a secret") != std::string::npos);
  // alpha still runs, nothing else was started.
  CHECK(echoes(gated.alpha));
  auto reg = connect_control(here.sys, "127.0.0.1", gated.port, test_secret,
                             answer_in);
  REQUIRE(reg);
  auto all = list_servers(*reg, answer_in);
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().name == "alpha");
  gated.node.proc.send_signal(SIGTERM);
  CHECK(gated.node.proc.wait_exit() == 0);
}

TEST_CASE("a request outside the envelope is refused and logged") {
  test_node here;
  gated_node gated;
  auto gate = raw_gate(here, gated.port);
  REQUIRE(gate);
  // A client that takes the endpoint for the registry.
  auto as_registry = caf::actor_cast<registry_actor>(gate);
  auto err = stop_server(as_registry, "alpha", answer_in);
  CHECK(err == error::unauthorized);
  CHECK(describe(err) == "unauthorized: not a request in the envelope");
  CHECK(server_status(as_registry, "alpha", answer_in).error()
        == error::unauthorized);
  CHECK(gated.logged({"refused ('pss_stop', ", "alpha",
                      "from 127.0.0.1:", "not a request in the envelope"}));
  CHECK(echoes(gated.alpha));
}

TEST_CASE("a peer cannot end the control gate with an exit or error "
          "message") {
  test_node here;
  gated_node gated;
  auto gate = raw_gate(here, gated.port);
  REQUIRE(gate);
  // `kill` cannot be trapped by an actor's handlers; an error message ends
  // an actor without an error handler.
  caf::anon_send_exit(gate, caf::exit_reason::kill);
  caf::anon_send(gate, caf::make_error(caf::sec::runtime_error));
  // Messages from one node arrive in order: the check below is answered
  // after both were handled.
  auto reg = connect_control(here.sys, "127.0.0.1", gated.port, test_secret,
                             answer_in);
  REQUIRE(reg);
  CHECK(list_servers(*reg, answer_in)->size() == 1);
  CHECK(gated.logged({"refused (exit_msg", "exit_reason(kill)",
                      "from an anonymous sender: not a request in the "
                      "envelope"}));
  CHECK(gated.logged({"refused (system_error", "runtime_error", "anonymous"}));
}

TEST_CASE("an error leaves the gate with its context as text") {
  test_node here;
  server_info info;
  info.server = caf::actor_cast<caf::actor>(here.reg);
  info.name = "x";
  caf::error err{static_cast<uint8_t>(caf::sec::unexpected_response),
                 caf::atom("system"), caf::make_message(info)};
  auto scrubbed = scrubbed_error(err);
  CHECK(scrubbed == caf::sec::unexpected_response);
  REQUIRE(scrubbed.context().match_elements<std::string>());
  CHECK(scrubbed.context().get_as<std::string>(0).find("pss::server_info")
        != std::string::npos);
  auto text = caf::make_error(error::retrylater, "no server x");
  CHECK(scrubbed_error(text) == text);
}

TEST_CASE("a control endpoint beyond loopback needs a secret") {
  SECTION("without one pss-node refuses to start") {
    node_process node{{"--control", "0.0.0.0:0", "--server", "echo,port=0"}};
    CHECK(node.proc.wait_exit() == 2);
    CHECK(node.proc.stderr_text()
          == "pss-node: --control 0.0.0.0:0 is not a loopback address: anyone "
             "who reaches it could control this node; give a secret with "
             "--secret-file FILE or PSS_SECRET\n");
  }
  SECTION("with one it serves every interface") {
    test_node here;
    gated_node gated{{"--control", "0.0.0.0:0"}};
    REQUIRE(gated.port != 0);
    auto reg = connect_control(here.sys, "127.0.0.1", gated.port, test_secret,
                               answer_in);
    REQUIRE(reg);
    CHECK(list_servers(*reg, answer_in)->size() == 1);
  }
  SECTION("publish_control refuses as well") {
    test_node here;
    auto published = publish_control(here.sys, here.reg, "0.0.0.0", 0, "");
    REQUIRE(!published);
    CHECK(published.error() == error::invalid_argument);
  }
}

TEST_CASE("pss-node takes its secret from PSS_SECRET") {
  test_node here;
  node_process node{{"--control", "127.0.0.1:0", "--server", "echo,name=a"},
                    {{"PSS_SECRET", test_secret}}};
  auto port = node.read_control();
  REQUIRE(port != 0);
  CHECK(connect_control(here.sys, "127.0.0.1", port, "", answer_in).error()
        == error::unauthorized);
  CHECK(connect_control(here.sys, "127.0.0.1", port, test_secret, answer_in));
}

TEST_CASE("pss-node refuses a secret file that is unsafe or unfit") {
  struct bad_secret {
    std::string content;
    mode_t mode;
    std::string message;
  };
  std::vector<bad_secret> cases{
      {test_secret, 0644,
       "may be read or written by group or others (mode "
       "0644): chmod 600 "},
      {test_secret, 0620, "(mode 0620)"},
      {"", 0600, " is empty"},
      {"\n", 0600, " is empty"},
      {"short", 0600, "shorter than 16 characters"},
  };
  for (auto& x : cases) {
    secret_file file{x.content, x.mode};
    node_process node{{"--secret-file", file.path(), "--control", "off"}};
    INFO(x.message);
    CHECK(node.proc.wait_exit() == 2);
    auto err = node.proc.stderr_text();
    CHECK(err.rfind("pss-node: invalid_argument: secret file " + file.path(), 0)
          == 0);
    CHECK(err.find(x.message) != std::string::npos);
  }
  node_process missing{{"--secret-file", "/nonexistent/secret"}};
  CHECK(missing.proc.wait_exit() == 2);
  CHECK(missing.proc.stderr_text().find("No such file") != std::string::npos);
}

TEST_CASE("a secret file loses its line end and nothing else") {
  secret_file unix_line{std::string{test_secret} + "\n"};
  CHECK(*read_secret_file(unix_line.path()) == test_secret);
  secret_file dos_line{std::string{test_secret} + "\r\n"};
  CHECK(*read_secret_file(dos_line.path()) == test_secret);
  secret_file inner_space{" a secret with spaces "};
  CHECK(*read_secret_file(inner_space.path()) == " a secret with spaces ");
  secret_file huge{std::string(max_secret_length + 1, 'x')};
  CHECK(read_secret_file(huge.path()).error() == error::invalid_argument);
}

TEST_CASE("load_secret prefers the file, then PSS_SECRET, else none") {
  secret_file file{"the secret from the file"};
  ::setenv(secret_environment_variable, "the secret from the environment", 1);
  CHECK(*load_secret(file.path()) == "the secret from the file");
  CHECK(*load_secret("") == "the secret from the environment");
  ::setenv(secret_environment_variable, "", 1);
  CHECK(load_secret("").error() == error::invalid_argument);
  ::unsetenv(secret_environment_variable);
  CHECK(load_secret("")->empty());
}

TEST_CASE("only loopback hosts count as loopback") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK(!is_loopback_host("0.0.0.0"));
  CHECK(!is_loopback_host("::"));
  CHECK(!is_loopback_host("192.0.2.1"));
  CHECK(!is_loopback_host(""));
  CHECK(!is_loopback_host("no-such-host.invalid"));
}
