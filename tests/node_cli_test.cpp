#include <catch2/catch.hpp>

#include "node_command_line.hpp"
#include "node_options.hpp"
#include "pss/spec_text.hpp"

using namespace pss;
using namespace pss::node;
using pss::test::parse_node_args;

TEST_CASE("a server spec reads every field") {
  auto spec = parse_server_spec("chat,name=room,port=9000,max=7,packet=line,"
                                "packet-size=512,idle-timeout=1500,"
                                "runs-on=thread,bind=127.0.0.1");
  REQUIRE(spec);
  CHECK(spec->handler == "chat");
  CHECK(spec->name == "room");
  CHECK(spec->port == 9000);
  CHECK(spec->max == 7);
  CHECK(*spec->packet == packet_type::line);
  CHECK(spec->packet_size == 512);
  CHECK(spec->session.idle_timeout_ms == 1500);
  CHECK(spec->session.runs_on == run_mode::thread);
  CHECK(spec->bind_address == "127.0.0.1");
}

TEST_CASE("a server spec's unset fields take their defaults") {
  auto spec = parse_server_spec("echo");
  REQUIRE(spec);
  CHECK(spec->name.empty());
  CHECK(spec->port == 0);
  CHECK(spec->max == 1024);
  CHECK(!spec->packet);
  CHECK(spec->packet_size == 0);
  CHECK(spec->session.idle_timeout_ms == 0);
  CHECK(spec->session.runs_on == run_mode::io);
}

TEST_CASE("malformed server specs are refused with the reason") {
  struct bad_case {
    const char* spec;
    const char* reason;
  };
  for (auto x :
       {bad_case{"", "handler"}, bad_case{"port=80", "handler"},
        bad_case{"echo,max=0", "max"}, bad_case{"echo,max=-3", "max"},
        bad_case{"echo,max=abc", "max"}, bad_case{"echo,port=70000", "port"},
        bad_case{"echo,port=", "port"}, bad_case{"echo,packet=3", "packet"},
        bad_case{"echo,packet=1,packet-size=300", "packet-size"},
        bad_case{"echo,colour=red", "unknown key 'colour'"},
        bad_case{"echo,name", "KEY=VALUE"}, bad_case{"echo,name=", "name"},
        bad_case{"echo,idle-timeout=soon", "idle-timeout"},
        bad_case{"echo,runs-on=fast", "runs-on must be io, pool or thread"}}) {
    auto spec = parse_server_spec(x.spec);
    INFO(x.spec);
    REQUIRE(!spec);
    CHECK(spec.error() == error::invalid_argument);
    CHECK(describe(spec.error()).find(x.reason) != std::string::npos);
  }
}

TEST_CASE("endpoints read HOST:PORT") {
  CHECK(parse_endpoint("127.0.0.1:4242")->port == 4242);
  CHECK(parse_endpoint("localhost:0")->host == "localhost");
  CHECK(parse_endpoint("[::1]:80")->host == "::1");
  CHECK(!parse_endpoint("4242"));
  CHECK(!parse_endpoint(":4242"));
  CHECK(!parse_endpoint("host:port"));
  CHECK(!parse_endpoint("host:99999"));
}

TEST_CASE("the command line defaults to the embedded echo server") {
  auto result = parse_node_args({});
  REQUIRE(result.error.empty());
  REQUIRE(result.options.control);
  CHECK(result.options.control->host == "127.0.0.1");
  CHECK(result.options.control->port == 4242);
  REQUIRE(result.options.servers.size() == 1);
  CHECK(result.options.servers[0].handler == "echo");
  CHECK(result.options.servers[0].port == 9923);
  CHECK(result.options.servers[0].max == 1024);
  CHECK(!result.options.metrics);
}

TEST_CASE("pss-node takes the endpoint of its Prometheus scrape in --metrics") {
  auto result = parse_node_args({"--metrics", "0.0.0.0:9100"});
  REQUIRE(result.error.empty());
  REQUIRE(result.options.metrics);
  CHECK(result.options.metrics->host == "0.0.0.0");
  CHECK(result.options.metrics->port == 9100);
}

TEST_CASE("options take their value after a space or an equals sign") {
  auto result = parse_node_args(
      {"--control=off", "--server", "echo,port=1", "--server=chat,port=2"});
  REQUIRE(result.error.empty());
  CHECK(!result.options.control);
  REQUIRE(result.options.servers.size() == 2);
  CHECK(result.options.servers[0].port == 1);
  CHECK(result.options.servers[1].handler == "chat");
}

TEST_CASE("bad command lines give one line naming the problem") {
  for (auto args :
       std::vector<std::vector<std::string>>{{"--bogus"},
                                             {"--server"},
                                             {"--control", "nowhere"},
                                             {"--metrics", "9100"},
                                             {"--server", "echo,max=0"},
                                             {"--server", "echo", "stray"}}) {
    auto result = parse_node_args(args);
    CHECK(!result.error.empty());
    CHECK(result.error.find('\n') == std::string::npos);
  }
  auto help = parse_node_args({"--help"});
  CHECK(help.error.empty());
  CHECK(help.help.find("--server") != std::string::npos);
  CHECK(help.help.find("--control") != std::string::npos);
}
