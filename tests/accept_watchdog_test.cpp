#include <catch2/catch.hpp>

#include "server/accept_watchdog.hpp"

using pss::accept_watchdog;

TEST_CASE("the watchdog pauses a server whose queue stays undrained") {
  accept_watchdog dog;
  CHECK(!dog.check(true, 5)); // Suspect: clients may have just arrived.
  CHECK(dog.check(true, 5));  // Still stuck a whole interval later: pause.
  CHECK(dog.shortage_began());
  CHECK(dog.paused());
}

TEST_CASE("the watchdog leaves a server alone that makes progress") {
  accept_watchdog dog;
  for (int i = 0; i < 10; ++i) {
    dog.accepted();
    CHECK(!dog.check(true, 3));
  }
  CHECK(!dog.check(true, 0));
  CHECK(!dog.check(true, 0));
}

TEST_CASE("the watchdog ignores a server that is full or idle") {
  accept_watchdog dog;
  for (int i = 0; i < 5; ++i)
    CHECK(!dog.check(false, 7)); // At Max: clients wait by design.
  for (int i = 0; i < 5; ++i)
    CHECK(!dog.check(true, 0)); // Nobody waits.
}

TEST_CASE("the watchdog backs off while the shortage lasts") {
  accept_watchdog dog;
  auto pause_length = [&] {
    // Counts the checks until the pause ends.
    int checks = 0;
    while (dog.paused()) {
      dog.check(true, 1);
      ++checks;
    }
    return checks;
  };
  dog.check(true, 1);
  REQUIRE(dog.check(true, 1));
  CHECK(dog.in_shortage());
  CHECK(pause_length() == 1);
  // Within a shortage one stuck check is enough to pause again.
  REQUIRE(dog.check(true, 1));
  CHECK(!dog.shortage_began());
  CHECK(pause_length() == 2);
  REQUIRE(dog.check(true, 1));
  CHECK(pause_length() == 4);
  SECTION("a freed descriptor ends the pause at once") {
    REQUIRE(dog.check(true, 1));
    dog.retry_now();
    CHECK(!dog.paused());
  }
  SECTION("an accepted connection ends the shortage and its back-off") {
    dog.accepted();
    CHECK(!dog.in_shortage());
    dog.check(true, 1);
    dog.check(true, 1);
    REQUIRE(dog.check(true, 1));
    CHECK(dog.shortage_began());
    CHECK(pause_length() == 1);
  }
}
