#include <catch2/catch.hpp>

#include "node_command_line.hpp"
#include "node_options.hpp"
#include "secret_file.hpp"

#include <string>
#include <vector>

using namespace pss;
using namespace pss::node;
using pss::test::parse_node_args;

namespace {

// Sets every option of pss-node, none to its default.
constexpr const char* every_option = R"(# a comment
control = "127.0.0.1:5000"
metrics = "127.0.0.1:9100"
secret-file = "/etc/pss/secret"
control-max-pending = 7
control-handshake-timeout = 1500
server = ["echo,port=9001,max=5", "chat,name=room,port=9002"]
)";

} // namespace

TEST_CASE("a config file sets every option of pss-node") {
  test::temp_file file{every_option};
  auto result = parse_node_args({"--config", file.path()});
  REQUIRE(result.error.empty());
  auto& opts = result.options;
  REQUIRE(opts.control);
  CHECK(opts.control->port == 5000);
  REQUIRE(opts.metrics);
  CHECK(opts.metrics->port == 9100);
  CHECK(opts.secret_file == "/etc/pss/secret");
  CHECK(opts.control_limits.max_pending_handshakes == 7);
  CHECK(opts.control_limits.handshake_timeout == timeout_ms{1500});
  REQUIRE(opts.servers.size() == 2);
  CHECK(opts.servers[0].handler == "echo");
  CHECK(opts.servers[0].port == 9001);
  CHECK(opts.servers[0].max == 5);
  CHECK(opts.servers[1].name == "room");
  CHECK(opts.servers[1].port == 9002);
}

TEST_CASE("the command line overrides the config file") {
  test::temp_file file{every_option};
  SECTION("a single option") {
    auto result
        = parse_node_args({"--control", "off", "--config", file.path()});
    REQUIRE(result.error.empty());
    CHECK(!result.options.control);
    CHECK(result.options.metrics->port == 9100);
  }
  SECTION("--server replaces the file's whole list") {
    auto result
        = parse_node_args({"--config", file.path(), "--server", "echo,port=0"});
    REQUIRE(result.error.empty());
    REQUIRE(result.options.servers.size() == 1);
    CHECK(result.options.servers[0].port == 0);
  }
}

TEST_CASE("consecutive server lines of a config file add up") {
  test::temp_file file{"server = \"echo,port=1\"\nserver = \"chat,port=2\"\n"};
  auto result = parse_node_args({"--config", file.path()});
  REQUIRE(result.error.empty());
  REQUIRE(result.options.servers.size() == 2);
  CHECK(result.options.servers[1].handler == "chat");
}

TEST_CASE("a config file without servers gives the default server") {
  test::temp_file file{"control = off\n"};
  auto result = parse_node_args({"--config", file.path()});
  REQUIRE(result.error.empty());
  CHECK(!result.options.control);
  REQUIRE(result.options.servers.size() == 1);
  CHECK(result.options.servers[0].port == 9923);
}

TEST_CASE("a bad config file gives one line naming the file and the problem") {
  struct bad_case {
    const char* content;
    const char* reason;
  };
  for (auto x :
       {bad_case{"colour = \"red\"\n", "unknown option 'colour'"},
        bad_case{"[node]\ncontrol = off\n", "no sections: [node]"},
        bad_case{"server = \"echo\"\ncontrol = off\nserver = \"chat\"\n",
                 "'server' is set twice"},
        bad_case{"control = nowhere\n", "--control"},
        bad_case{"control-max-pending = 0\n", "control-max-pending"},
        bad_case{"server = \"echo,max=0\"\n", "max"}}) {
    INFO(x.content);
    test::temp_file file{x.content};
    auto result = parse_node_args({"--config", file.path()});
    CHECK(result.error.find(x.reason) != std::string::npos);
    CHECK(result.error.find('\n') == std::string::npos);
  }
  SECTION("an unknown option names the file") {
    test::temp_file file{"colour = red\n"};
    auto result = parse_node_args({"--config", file.path()});
    CHECK(result.error.find("--config " + file.path() + ": ") == 0);
  }
}

TEST_CASE("a missing config file is an error, not an empty file") {
  auto result = parse_node_args({"--config", "/nonexistent/pss-node.conf"});
  CHECK(result.error
        == "--config /nonexistent/pss-node.conf: cannot read the file");
}

TEST_CASE("the packaged config file gives pss-node's defaults") {
  auto result = parse_node_args({"--config", PSS_PACKAGED_CONFIG});
  REQUIRE(result.error.empty());
  auto defaults = parse_node_args({});
  REQUIRE(result.options.control);
  CHECK(result.options.control->host == defaults.options.control->host);
  CHECK(result.options.control->port == defaults.options.control->port);
  CHECK(!result.options.metrics);
  CHECK(result.options.secret_file.empty());
  REQUIRE(result.options.servers.size() == 1);
  CHECK(result.options.servers[0].handler == "echo");
  CHECK(result.options.servers[0].port == defaults.options.servers[0].port);
  CHECK(result.options.servers[0].max == defaults.options.servers[0].max);
}
