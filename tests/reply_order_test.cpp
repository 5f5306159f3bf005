// The order of a session's replies, without sockets or actors.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "session/reply_order.hpp"

using namespace pss;

namespace {

std::vector<char> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

// Everything ready at the front, as one string, and the packets counted.
std::string take(reply_order& order, uint32_t* packets = nullptr) {
  std::string out;
  order.take_ready([&](const std::vector<char>& x, uint32_t n) {
    out.append(x.begin(), x.end());
    if (packets != nullptr)
      *packets += n;
  });
  return out;
}

} // namespace

TEST_CASE("replies leave in the order their places were reserved") {
  reply_order order;
  auto first = order.reserve();
  auto second = order.reserve();
  auto third = order.reserve();
  order.fill(third, bytes("3"), 1);
  order.fill(second, bytes("2"), 1);
  CHECK(take(order).empty());
  CHECK(order.holds_back());
  order.fill(first, bytes("1"), 1);
  uint32_t packets = 0;
  CHECK(take(order, &packets) == "123");
  CHECK(packets == 3);
  CHECK_FALSE(order.holds_back());
}

TEST_CASE("output without a place waits behind the places reserved before it") {
  reply_order order;
  auto slot = order.reserve();
  order.append("a", 1, 1);
  order.append("b", 1, 1);
  auto later = order.reserve();
  order.append("c", 1, 1);
  CHECK(order.open() == 2);
  order.fill(later, bytes("L"), 1);
  CHECK(take(order).empty());
  order.fill(slot, bytes("S"), 1);
  CHECK(take(order) == "SabLc");
  CHECK(order.open() == 0);
}

TEST_CASE("a place given up lets the replies behind it go") {
  reply_order order;
  auto slot = order.reserve();
  order.append("x", 1, 1);
  order.fill(slot, {}, 0);
  uint32_t packets = 0;
  CHECK(take(order, &packets) == "x");
  CHECK(packets == 1);
}

TEST_CASE("filling a place twice or an unknown place changes nothing") {
  reply_order order;
  auto slot = order.reserve();
  order.fill(slot + 7, bytes("?"), 1);
  CHECK(take(order).empty());
  order.fill(slot, bytes("1"), 1);
  order.fill(slot, bytes("2"), 1);
  CHECK(take(order) == "1");
  order.fill(slot, bytes("3"), 1);
  CHECK(take(order).empty());
  auto next = order.reserve();
  order.fill(next, bytes("4"), 1);
  CHECK(take(order) == "4");
}
