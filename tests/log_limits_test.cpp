// The pieces behind pss's log that need no network: the rate limit per
// cause, and the writer that never blocks on its descriptor.

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "deadline.hpp"
#include "log/line_writer.hpp"
#include "log/rate_limiter.hpp"

using namespace pss;
using namespace pss::logging;
using namespace pss::test;
using namespace std::chrono_literals;

namespace {

using clock_type = rate_limiter::clock;

size_t admitted(rate_limiter& limiter, const std::string& source,
                const std::string& kind, size_t lines,
                clock_type::time_point at) {
  size_t written = 0;
  for (size_t i = 0; i < lines; ++i)
    if (limiter.admit(source, kind, log_level::warning, at).write)
      ++written;
  return written;
}

} // namespace

TEST_CASE("a cause writes at most its limit per interval, then one summary") {
  rate_limiter limiter{10, 1s};
  auto t0 = clock_type::now();
  CHECK(admitted(limiter, "echo", "session ended: truncated_frame", 5000, t0)
        == 10);
  CHECK(limiter.take_due(t0 + 999ms).empty());
  auto due = limiter.take_due(t0 + 1s);
  REQUIRE(due.size() == 1);
  CHECK(due[0].source == "echo");
  CHECK(due[0].kind == "session ended: truncated_frame");
  CHECK(due[0].count == 4990);
  CHECK(due[0].level == log_level::warning);
  // Afresh: the next interval has its own budget and nothing held.
  CHECK(admitted(limiter, "echo", "session ended: truncated_frame", 10,
                 t0 + 1200ms)
        == 10);
  CHECK(limiter.take_all().empty());
}

TEST_CASE("a line after the interval carries the summary of the one before") {
  rate_limiter limiter{2, 1s};
  auto t0 = clock_type::now();
  CHECK(admitted(limiter, "control", "refused", 7, t0) == 2);
  auto next
      = limiter.admit("control", "refused", log_level::warning, t0 + 1500ms);
  CHECK(next.write);
  CHECK(next.earlier.count == 5);
  CHECK(next.earlier.kind == "refused");
}

TEST_CASE("causes are limited apart") {
  rate_limiter limiter{3, 1s};
  auto t0 = clock_type::now();
  CHECK(admitted(limiter, "echo", "session ended: truncated_frame", 100, t0)
        == 3);
  // Another kind of the same source, and the same kind of another source.
  CHECK(admitted(limiter, "echo", "session ended: timeout", 1, t0) == 1);
  CHECK(admitted(limiter, "chat", "session ended: truncated_frame", 1, t0)
        == 1);
  auto all = limiter.take_all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].count == 97);
}

TEST_CASE("causes beyond the maximum share one budget") {
  rate_limiter limiter{1, 1s, 4};
  auto t0 = clock_type::now();
  size_t written = 0;
  for (int i = 0; i < 100; ++i)
    written += admitted(limiter, "src", "kind " + std::to_string(i), 1, t0);
  CHECK(written == 5); // 4 causes of their own, one shared
  auto all = limiter.take_all();
  REQUIRE(all.size() == 1);
  CHECK(all[0].kind == overflow_kind);
  CHECK(all[0].count == 95);
}

TEST_CASE("a rate limit of 0 lets every line through") {
  rate_limiter limiter{0, 1s};
  CHECK(admitted(limiter, "echo", "x", 1000, clock_type::now()) == 1000);
}

TEST_CASE("a line writer never blocks on a pipe nobody reads") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  // A pipe smaller than the writer's queue: the queue cannot drain into it.
  REQUIRE(::fcntl(fds[1], F_SETPIPE_SZ, 4096) >= 4096);
  // Never destroyed, as in pss: its thread may be stuck in write.
  static std::vector<line_writer*> writers;
  auto writer = new line_writer{fds[1], 16 * 1024, [](size_t count) {
                                  return "dropped " + std::to_string(count);
                                }};
  writers.push_back(writer);
  std::string line(99, 'x');
  auto start = std::chrono::steady_clock::now();
  // 2 MiB: far more than the pipe (4 KiB) and the queue (16 KiB) hold.
  for (int i = 0; i < 20'000; ++i)
    writer->write(line);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < 1s);
  CHECK(writer->dropped_total() > 0);
  auto flush_start = std::chrono::steady_clock::now();
  CHECK_FALSE(writer->flush(100ms));
  CHECK(std::chrono::steady_clock::now() - flush_start < 1s);
  // Once somebody reads, the writer goes on and reports what it dropped.
  std::string seen;
  auto found = poll_until([&] {
    char buf[65536];
    pollfd pfd{fds[0], POLLIN, 0};
    while (::poll(&pfd, 1, 0) > 0) {
      auto n = ::read(fds[0], buf, sizeof(buf));
      if (n <= 0)
        break;
      seen.append(buf, static_cast<size_t>(n));
      if (seen.find("dropped ") != std::string::npos)
        return true;
      if (seen.size() > 16) // keep a tail that a notice may start in
        seen.erase(0, seen.size() - 16);
    }
    return false;
  });
  CHECK(found);
  // Read on, and the writer catches up.
  CHECK(poll_until([&] {
    char buf[65536];
    pollfd pfd{fds[0], POLLIN, 0};
    while (::poll(&pfd, 1, 0) > 0)
      if (::read(fds[0], buf, sizeof(buf)) <= 0)
        break;
    return writer->flush(0ms);
  }));
  ::close(fds[0]);
  ::close(fds[1]);
}
