// The count against Max that the session hosts of one server share
// (actors/host/session_slots.hpp): pure logic, driven without sockets.

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "host/session_slots.hpp"

using namespace pss;

TEST_CASE("session slots count up to Max and no further") {
  session_slots slots{3};
  CHECK(slots.try_take() == 1);
  CHECK(slots.try_take() == 2);
  CHECK(slots.try_take() == 3);
  CHECK(slots.try_take() == 0);
  CHECK(slots.num() == 3);
  slots.give_back();
  CHECK(slots.num() == 2);
  CHECK(slots.try_take() == 3);
  // Lowering Max cuts no session; it only stops taking.
  slots.set(1, true);
  CHECK(slots.num() == 3);
  CHECK(slots.max() == 1);
  slots.give_back();
  slots.give_back();
  CHECK(slots.try_take() == 0);
  slots.give_back();
  CHECK(slots.try_take() == 1);
}

TEST_CASE("closed session slots give none until opened, and a reserve "
          "close holds until the server opens again") {
  session_slots slots{2};
  slots.set(2, false);
  CHECK(slots.try_take() == 0);
  CHECK_FALSE(slots.open());
  slots.set(2, true);
  CHECK(slots.try_take() == 1);
  slots.close();
  CHECK(slots.try_take() == 0);
  slots.give_back();
  CHECK(slots.try_take() == 0);
  slots.set(2, true);
  CHECK(slots.try_take() == 1);
}

TEST_CASE("a paused acceptor is woken by whoever frees a slot or opens the "
          "server, and not while none is free") {
  session_slots slots{1};
  REQUIRE(slots.try_take() == 1);
  // Full: acceptors 0 and 3 pause.
  CHECK(slots.pause(0));
  CHECK(slots.pause(3));
  CHECK(slots.paused() == 0b1001);
  // The slot freed: both are to be woken, once.
  CHECK(slots.give_back() == 0b1001);
  CHECK(slots.paused() == 0);
  // Free now: pausing is refused (try again instead).
  CHECK_FALSE(slots.pause(1));
  CHECK(slots.paused() == 0);
  // Closed: a pause holds, and freeing a slot wakes nobody.
  REQUIRE(slots.try_take() == 1);
  slots.set(1, false);
  slots.give_back();
  CHECK(slots.pause(2));
  CHECK(slots.set(1, false) == 0);
  CHECK(slots.set(1, true) == 0b100);
  // Paused for another reason (descriptors): woken when the server opens.
  slots.mark_paused(4);
  CHECK(slots.set(1, true) == 0b10000);
}

TEST_CASE("an acceptor that pauses while another thread frees the last slot "
          "is never left asleep") {
  // Either the pausing side sees the free slot (and does not sleep) or the
  // freeing side sees the mark (and wakes it): never neither.
  for (int round = 0; round < 5000; ++round) {
    session_slots slots{1};
    REQUIRE(slots.try_take() == 1);
    std::atomic<bool> go{false};
    uint32_t woken = 0;
    std::thread freer{[&] {
      while (!go.load())
        std::this_thread::yield();
      woken = slots.give_back();
    }};
    go.store(true);
    bool asleep = slots.try_take() == 0 && slots.pause(0);
    freer.join();
    REQUIRE_FALSE((asleep && (woken & 1) == 0));
  }
}

TEST_CASE("threads taking and giving back session slots never hold more "
          "than Max") {
  constexpr int max = 3;
  session_slots slots{max};
  std::atomic<int> held{0};
  std::atomic<int> peak{0};
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (slots.try_take() == 0)
          continue;
        auto now = ++held;
        auto seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
          // retry with the peak another thread set
        }
        ++taken;
        --held;
        slots.give_back();
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(peak.load() <= max);
  CHECK(taken.load() > 0);
  CHECK(slots.num() == 0);
}
