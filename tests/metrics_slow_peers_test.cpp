// The metrics endpoint against peers that hold connections without
// finishing a request (docs/operations.md, "Metrics"): a scrape still gets through.

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "control/pending_requests.hpp"
#include "deadline.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"

using namespace pss;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

uint16_t read_metrics_port(node_process& node) {
  auto line = read_line_starting(node.proc, "metrics 127.0.0.1:");
  REQUIRE(!line.empty());
  return static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
}

} // namespace

TEST_CASE("pending requests give up the oldest beyond their limit") {
  pending_requests<int> pending{2};
  auto [first, none1] = pending.add(1);
  auto [second, none2] = pending.add(2);
  CHECK(!none1);
  CHECK(!none2);
  auto [third, evicted] = pending.add(3);
  REQUIRE(evicted);
  CHECK(*evicted == 1);
  // A complete request leaves; the next one then fits.
  pending.remove(second);
  auto [fourth, none4] = pending.add(4);
  CHECK(!none4);
  CHECK(pending.size() == 2);
  pending.remove(first); // already gone: nothing happens
  pending.remove(third);
  pending.remove(fourth);
  CHECK(pending.size() == 0);
}

TEST_CASE("a scrape is answered within 2 s while slow peers hold the "
          "metrics server") {
  node_process node{{"--control", "off", "--metrics", "127.0.0.1:0", "--server",
                     "echo,name=e,port=0"}};
  auto port = read_metrics_port(node);
  // More slow peers than the server has slots (16), each with a request
  // begun and never finished.
  std::vector<loopback_client> slow;
  for (int i = 0; i < 40; ++i) {
    slow.emplace_back(port);
    REQUIRE(slow.back().connected());
    REQUIRE(slow.back().send("G"));
  }
  auto start = steady::now();
  loopback_client scraper{port};
  REQUIRE(scraper.connected());
  REQUIRE(scraper.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"));
  std::string response;
  CHECK(scraper.receive_to_end(response, 2s));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      steady::now() - start);
  CAPTURE(took.count());
  CHECK(response.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(response.find("pss_sessions{server=\"e\"") != std::string::npos);
  std::cout << "metrics: scrape beside 40 slow peers answered in "
            << took.count() << " ms" << std::endl;
}

TEST_CASE("a metrics request not complete within 2 s is answered 408") {
  node_process node{{"--control", "off", "--metrics", "127.0.0.1:0", "--server",
                     "echo,name=e,port=0"}};
  auto port = read_metrics_port(node);
  loopback_client slow{port};
  auto start = steady::now();
  REQUIRE(slow.send("GET /metrics HTTP/1.1\r\n"));
  std::string response;
  CHECK(slow.receive_to_end(response, 4s));
  auto took = steady::now() - start;
  CHECK(response.rfind("HTTP/1.1 408 Request Timeout", 0) == 0);
  CHECK(took >= 1900ms);
  CHECK(took < 4s);
}
