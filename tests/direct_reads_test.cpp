// Sessions read without CAF's per-read message
// (actors/caf017/direct_scribe.hpp): whatever a session does during such a read
// must end or change it exactly as it would inside a CAF activation. Each case
// does that in the middle of a read, mostly with several packets arriving in
// one write.

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

// Several packets in one write, length header `header`.
std::string frames(std::initializer_list<std::string> payloads, size_t header) {
  std::string out;
  for (auto& payload : payloads)
    out += loopback_client::frame(payload, header);
  return out;
}

// A session whose every packet takes the fast path to `fn`.
session_function fast_path(std::function<void(session&, caf::string_view)> fn) {
  return [fn](session& self) -> caf::behavior {
    self.on_packet(
        [&self, fn](caf::string_view payload) { fn(self, payload); });
    return {[](const packet&) {}};
  };
}

std::string text(caf::string_view payload) {
  return {payload.begin(), payload.end()};
}

} // namespace

TEST_CASE("a fast-path session that closes mid-read answers, ends and is "
          "cleaned up") {
  test_node node;
  log_capture logs;
  auto polite = fast_path([](session& self, caf::string_view payload) {
    self.send("bye " + text(payload));
    self.close();
  });
  auto info = start_raw_server(node.reg, 0, 1, polite, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send(frames({"one", "two"}, 2)));
  CHECK(client.receive_framed(2) == "bye one");
  // Nothing for the packet after the close: the connection just ends.
  CHECK(client.receive(1).empty());
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
  CHECK(!logs.contains("ended"));
}

TEST_CASE("a fast-path session that fails mid-read ends with its reason") {
  test_node node;
  log_capture logs;
  auto quitter = fast_path([](session& self, caf::string_view payload) {
    if (payload == "give up")
      self.fail(caf::make_error(error::session_failed, "gave up mid-read"));
    else
      self.send(payload);
  });
  auto info = start_raw_server(node.reg, 0, 1, quitter, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send(frames({"a", "give up", "b"}, 2)));
  // The reply to the packet before the failure still goes out.
  CHECK(client.receive_framed(2) == "a");
  CHECK(client.wait_closed());
  CHECK(poll_until([&] { return logs.contains("gave up mid-read"); }));
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE("a fast-path session that throws mid-read ends, and the server "
          "goes on") {
  test_node node;
  log_capture logs;
  auto fragile = fast_path([](session& self, caf::string_view payload) {
    if (payload == "boom")
      throw std::runtime_error("fast path exploded");
    self.send(payload);
  });
  auto info = start_raw_server(node.reg, 0, 2, fragile, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client survivor{info->port};
  loopback_client victim{info->port};
  REQUIRE(victim.send(frames({"a", "boom", "c"}, 2)));
  CHECK(victim.receive_framed(2) == "a");
  CHECK(victim.wait_closed());
  CHECK(poll_until(
      [&] { return logs.contains("session_failed: fast path exploded"); }));
  CHECK(poll_until([&] { return status_is(node, info->port, 1); }));
  REQUIRE(survivor.send_framed("on", 2));
  CHECK(survivor.receive_framed(2) == "on");
}

TEST_CASE("a session that quits its actor during a fast-path read ends") {
  test_node node;
  auto abrupt
      = fast_path([](session& self, caf::string_view) { self.self()->quit(); });
  auto info = start_raw_server(node.reg, 0, 1, abrupt, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send_framed("stop", 2));
  CHECK(client.wait_closed());
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
  // The slot is free again: a new session is served.
  loopback_client next{info->port};
  REQUIRE(next.send_framed("stop", 2));
  CHECK(next.wait_closed());
}

TEST_CASE("packets switch between the fast path and the behavior in the "
          "middle of a read, in order") {
  test_node node;
  session_function switcher = [](session& self) -> caf::behavior {
    // Shared by the fast path and the behavior, which reinstall each other.
    auto fast = std::make_shared<std::function<void(caf::string_view)>>();
    *fast = [&self](caf::string_view payload) {
      if (payload == "to behavior") {
        self.on_packet(nullptr);
        return;
      }
      if (payload == "become") {
        self.on_packet(nullptr);
        self.become(
            {[&self](const packet& pkt) { self.send("new:" + pkt.data); }});
        return;
      }
      self.send("fast:" + text(payload));
    };
    self.on_packet(*fast);
    return {[&self, fast](const packet& pkt) {
      if (pkt.data == "to fast") {
        self.on_packet(*fast);
        return;
      }
      self.send("slow:" + pkt.data);
    }};
  };
  auto info = start_raw_server(node.reg, 0, 1, switcher, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send(
      frames({"a", "to behavior", "b", "to fast", "c", "become", "d"}, 2)));
  CHECK(client.receive_framed(2) == "fast:a");
  CHECK(client.receive_framed(2) == "slow:b");
  CHECK(client.receive_framed(2) == "fast:c");
  CHECK(client.receive_framed(2) == "new:d");
  // Later reads keep the last choice.
  REQUIRE(client.send_framed("e", 2));
  CHECK(client.receive_framed(2) == "new:e");
}

TEST_CASE("a decoder error in the middle of a fast-path read answers what "
          "came before, then ends the session") {
  test_node node;
  log_capture logs;
  auto info = start_raw_server(node.reg, "small", 0, 1, session_options{},
                               echo_fn(), packet_type::u16, 10);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send(frames({"fits", "one byte too long"}, 2)));
  CHECK(client.receive_framed(2) == "fits");
  CHECK(client.wait_closed());
  CHECK(poll_until([&] { return logs.contains("packet_too_large"); }));
  CHECK(poll_until([&] { return status_is(node, "small", 0); }));
}

TEST_CASE("a fast-path read that overflows the send buffer ends the session "
          "with send_buffer_full") {
  test_node node;
  log_capture logs;
  server_spec spec;
  spec.max = 1;
  spec.session.write_high_water = 64 * 1024;
  spec.session.write_limit = 1024 * 1024;
  // One small packet in, 8 MiB out: more than the kernel's socket buffers
  // take from a peer that does not read. CAF writes what is left of one
  // read's output; the output of the next read queues behind it, past the
  // limit, within that read.
  auto amplifier = fast_path([](session& self, caf::string_view) {
    self.send(std::string(8 * 1024 * 1024, 'x'));
  });
  spec.packet = packet_type::u32;
  // Small packets: the write limit is at least twice the packet limit.
  spec.packet_size = 1024;
  auto info = start_raw_server(node.reg, spec, amplifier);
  REQUIRE(info);
  loopback_client hog{info->port};
  // Packets in separate reads: send until the session gives up (the second
  // read normally does it; a few more allow for reads that merged).
  bool full = false;
  for (int i = 0; i < 5 && !full; ++i) {
    hog.send_framed("more", 4); // May fail once the session ended.
    full = poll_until([&] { return logs.contains("send_buffer_full"); },
                      std::chrono::milliseconds(500));
  }
  CHECK(full);
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE("packets on the fast path re-arm the receive timeout of the "
          "session's behavior") {
  test_node node;
  session_function timed = [](session& self) -> caf::behavior {
    self.on_packet([&self](caf::string_view payload) { self.send(payload); });
    return {
        [](const packet&) {},
        caf::after(std::chrono::milliseconds(300)) >> [&self] { self.close(); },
    };
  };
  auto info = start_raw_server(node.reg, 0, 1, timed, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  // Traffic for twice the timeout keeps the session open...
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start
         < std::chrono::milliseconds(600)) {
    REQUIRE(client.send_framed(".", 2));
    REQUIRE(client.receive_framed(2) == ".");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // ...and silence lets the timeout end it.
  CHECK(client.wait_closed());
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE("a fast-path session sends messages to other actors while "
          "reading") {
  test_node node;
  caf::scoped_actor watcher{node.sys};
  caf::actor dest = watcher;
  auto reporter = fast_path([dest](session& self, caf::string_view payload) {
    self.send_to(dest, text(payload));
  });
  auto info = start_raw_server(node.reg, 0, 1, reporter, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send(frames({"first", "second"}, 2)));
  std::vector<std::string> seen;
  for (int i = 0; i < 2; ++i)
    watcher->receive([&](const std::string& text) { seen.push_back(text); },
                     caf::after(std::chrono::seconds(10)) >> [] {});
  CHECK(seen == std::vector<std::string>{"first", "second"});
}
