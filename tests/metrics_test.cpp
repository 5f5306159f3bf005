// Prometheus metrics: the text format, and the HTTP server that serves it
// (in process here; through pss-node in node_process_test).

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "pss/metrics.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

// One HTTP exchange: sends `request`, reads until the server closes.
std::string http(uint16_t port, const std::string& request) {
  loopback_client client{port};
  REQUIRE(client.send(request));
  std::string response;
  for (;;) {
    auto part = client.receive(1);
    if (part.empty())
      break;
    response += part;
  }
  return response;
}

std::string scrape(uint16_t port) {
  return http(port, "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("the Prometheus text names every figure, labelled by server") {
  server_totals t;
  t.name = "alpha";
  t.port = 9923;
  t.max = 10;
  t.active = 2;
  t.peak = 3;
  t.accepted = 7;
  t.ended_clean = 4;
  t.ended_error = 1;
  t.errors["packet_too_large"] = 1;
  t.refused_frames = 1;
  t.bytes_in = 100;
  t.bytes_out = 90;
  t.suspended = true;
  auto text = "\n" + render_prometheus({t});
  CHECK(has_line(text, "# TYPE pss_sessions gauge"));
  CHECK(has_line(text, R"(pss_sessions{server="alpha",port="9923"} 2)"));
  CHECK(has_line(text, R"(pss_sessions_max{server="alpha",port="9923"} 10)"));
  CHECK(has_line(text, R"(pss_sessions_peak{server="alpha",port="9923"} 3)"));
  CHECK(has_line(text, "# TYPE pss_sessions_accepted_total counter"));
  CHECK(has_line(
      text, R"(pss_sessions_accepted_total{server="alpha",port="9923"} 7)"));
  CHECK(has_line(
      text,
      R"(pss_sessions_ended_total{server="alpha",port="9923",result="clean"} 4)"));
  CHECK(has_line(
      text,
      R"(pss_session_errors_total{server="alpha",port="9923",reason="packet_too_large"} 1)"));
  CHECK(has_line(
      text, R"(pss_received_bytes_total{server="alpha",port="9923"} 100)"));
  CHECK(
      has_line(text, R"(pss_server_suspended{server="alpha",port="9923"} 1)"));
  // Every line is a comment or a sample; the text ends with a newline.
  CHECK(text.back() == '\n');
}

TEST_CASE("label values are escaped") {
  server_totals t;
  t.name = "a\"b\\c\nd";
  auto text = render_prometheus({t});
  CHECK(text.find(R"(server="a\"b\\c\nd")") != std::string::npos);
}

TEST_CASE("the metrics server answers GET /metrics with every server") {
  test_node node;
  auto echo = start_server(node.reg, "alpha", 0, 5, echo_fn());
  REQUIRE(echo);
  auto metrics = start_metrics_server(node.reg, "127.0.0.1", 0);
  REQUIRE(metrics);
  CHECK(metrics->name == "pss_metrics");
  {
    loopback_client client{echo->port};
    REQUIRE(client.send("hello"));
    REQUIRE(client.receive(5) == "hello");
    auto response = scrape(metrics->port);
    CHECK(response.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(response.find("Content-Type: text/plain; version=0.0.4\r\n")
          != std::string::npos);
    auto body = response.substr(response.find("\r\n\r\n") + 3);
    auto length = response.find("Content-Length: ");
    REQUIRE(length != std::string::npos);
    CHECK(std::stoul(response.substr(length + 16)) == body.size() - 1);
    auto labels
        = R"({server="alpha",port=")" + std::to_string(echo->port) + R"("})";
    CHECK(has_line(body, "pss_sessions" + labels + " 1"));
    CHECK(has_line(body, "pss_received_bytes_total" + labels + " 5"));
    CHECK(has_line(body, "pss_sessions_max" + labels + " 5"));
  }
  // The session ended cleanly; a later scrape counts it.
  CHECK(poll_until([&] { return status_is(node, "alpha", 0); }));
  auto body = scrape(metrics->port);
  CHECK(has_line(body, R"(pss_sessions_ended_total{server="alpha",port=")"
                           + std::to_string(echo->port)
                           + R"(",result="clean"} 1)"));
}

TEST_CASE("the metrics server refuses what is not GET /metrics") {
  test_node node;
  auto metrics = start_metrics_server(node.reg, "127.0.0.1", 0);
  REQUIRE(metrics);
  CHECK(http(metrics->port, "GET /nope HTTP/1.1\r\n\r\n")
            .rfind("HTTP/1.1 404 Not Found\r\n", 0)
        == 0);
  CHECK(http(metrics->port, "POST /metrics HTTP/1.1\r\n\r\n")
            .rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0)
        == 0);
  CHECK(http(metrics->port, "garbage\r\n\r\n")
            .rfind("HTTP/1.1 400 Bad Request\r\n", 0)
        == 0);
  // A request line longer than the server's packet size ends only that
  // session; the server goes on.
  CHECK(http(metrics->port, std::string(10000, 'x')).empty());
  CHECK(scrape(metrics->port).rfind("HTTP/1.1 200 OK", 0) == 0);
  // One metrics server per registry: its name is taken.
  auto again = start_metrics_server(node.reg, "127.0.0.1", 0);
  REQUIRE(!again);
  CHECK(again.error() == error::already_started);
}
