#include <memory>
#include <stdexcept>
#include <string>

#include <sys/socket.h>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "handlers.hpp"
#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

TEST_CASE("echo works in every length-header framing") {
  test_node node;
  for (size_t header : {1u, 2u, 4u}) {
    auto type = *parse_packet_type(std::to_string(header));
    auto info = start_raw_server(node.reg, 0, 4, echo_fn(), type, 0);
    REQUIRE(info);
    loopback_client client{info->port};
    SECTION("one packet per write, header " + std::to_string(header)) {
      REQUIRE(client.send_framed("hello", header));
      CHECK(client.receive_framed(header) == "hello");
    }
    SECTION("several packets in one write, header " + std::to_string(header)) {
      REQUIRE(client.send(loopback_client::frame("a", header)
                          + loopback_client::frame("", header)
                          + loopback_client::frame("bcd", header)));
      CHECK(client.receive_framed(header) == "a");
      CHECK(client.receive_framed(header) == "");
      CHECK(client.receive_framed(header) == "bcd");
    }
    SECTION("a packet split across writes, header " + std::to_string(header)) {
      auto bytes = loopback_client::frame(std::string(200, 'z'), header);
      for (auto c : bytes) {
        REQUIRE(client.send(std::string(1, c)));
      }
      CHECK(client.receive_framed(header) == std::string(200, 'z'));
    }
  }
}

TEST_CASE("packets larger than a read buffer arrive whole") {
  test_node node;
  auto info = start_raw_server(node.reg, 0, 1, echo_fn(), packet_type::u32, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  std::string big(300 * 1024, 'q');
  big[12345] = 'Q';
  REQUIRE(client.send_framed(big, 4));
  CHECK(client.receive_framed(4) == big);
}

TEST_CASE("line framing delivers lines with their newline") {
  test_node node;
  auto info = start_raw_server(node.reg, 0, 1, echo_fn(), packet_type::line, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send("one\ntw"));
  REQUIRE(client.send("o\n\n"));
  CHECK(client.receive(9) == "one\ntwo\n\n");
}

TEST_CASE("raw framing passes bytes through as they come") {
  test_node node;
  auto info = start_raw_server(node.reg, 0, 1, echo_fn(), packet_type::raw, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  std::string bytes("\x00\x01\xff\n\r", 5);
  REQUIRE(client.send(bytes));
  CHECK(client.receive(5) == bytes);
}

TEST_CASE("an oversized packet ends only its own session") {
  test_node node;
  log_capture logs;
  auto info = start_raw_server(node.reg, "small", 0, 4, session_options{},
                               echo_fn(), packet_type::u16, 10);
  REQUIRE(info);
  loopback_client good{info->port};
  loopback_client bad{info->port};
  REQUIRE(good.send_framed("0123456789", 2));
  CHECK(good.receive_framed(2) == "0123456789");
  SECTION("a packet one byte over the limit") {
    REQUIRE(bad.send_framed("0123456789A", 2));
  }
  SECTION("a header announcing far more than the limit") {
    REQUIRE(bad.send(std::string("\xff\xff", 2)));
  }
  CHECK(bad.wait_closed());
  CHECK(poll_until([&] { return logs.contains("packet_too_large"); }));
  REQUIRE(good.send_framed("still", 2));
  CHECK(good.receive_framed(2) == "still");
  CHECK(poll_until([&] { return status_is(node, "small", 1); }));
}

TEST_CASE("a line longer than the packet size ends its session") {
  test_node node;
  auto info = start_raw_server(node.reg, 0, 2, echo_fn(), packet_type::line, 8);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send("short\n"));
  CHECK(client.receive(6) == "short\n");
  REQUIRE(client.send("this line never ends"));
  CHECK(client.wait_closed());
}

TEST_CASE("a throwing session closes its socket, is reported, and the server "
          "goes on") {
  test_node node;
  log_capture logs;
  session_function fragile = [](session& self) -> caf::behavior {
    return {[&self](const packet& pkt) {
      if (pkt.data == "boom")
        throw std::runtime_error("handler exploded");
      self.send(pkt);
    }};
  };
  auto info = start_server(node.reg, "fragile", 0, 4, fragile);
  REQUIRE(info);
  loopback_client survivor{info->port};
  loopback_client victim{info->port};
  REQUIRE(survivor.send("ok"));
  REQUIRE(survivor.receive(2) == "ok");
  REQUIRE(victim.send("boom"));
  CHECK(victim.wait_closed());
  CHECK(poll_until(
      [&] { return logs.contains("session_failed: handler exploded"); }));
  REQUIRE(survivor.send("on"));
  CHECK(survivor.receive(2) == "on");
  CHECK(poll_until([&] { return status_is(node, "fragile", 1); }));
}

TEST_CASE("a session function that throws at start only loses that session") {
  test_node node;
  log_capture logs;
  int calls = 0;
  session_function flaky = [&calls](session& self) -> caf::behavior {
    if (++calls == 1)
      throw std::runtime_error("cannot start");
    return {[&self](const packet& pkt) { self.send(pkt); }};
  };
  auto info = start_server(node.reg, 0, 2, flaky);
  REQUIRE(info);
  loopback_client first{info->port};
  CHECK(first.wait_closed());
  CHECK(poll_until([&] { return logs.contains("cannot start"); }));
  loopback_client second{info->port};
  REQUIRE(second.send("fine"));
  CHECK(second.receive(4) == "fine");
}

TEST_CASE("a session that closes itself writes its last packet first") {
  test_node node;
  log_capture logs;
  session_function polite = [](session& self) -> caf::behavior {
    return {[&self](const packet& pkt) {
      self.send("bye " + pkt.data);
      self.close();
    }};
  };
  auto info = start_raw_server(node.reg, 0, 1, polite, packet_type::u32, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send_framed("you", 4));
  CHECK(client.receive_framed(4) == "bye you");
  CHECK(client.wait_closed());
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
  // A clean end is not reported as a failure.
  CHECK(!logs.contains("ended"));
}

TEST_CASE("an idle session ends with reason timeout") {
  test_node node;
  log_capture logs;
  server_spec spec;
  spec.max = 2;
  spec.session.idle_timeout_ms = 300;
  auto info = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(info);
  loopback_client silent{info->port};
  loopback_client chatty{info->port};
  // The chatty client keeps its session alive past the timeout.
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start
         < std::chrono::milliseconds(600)) {
    REQUIRE(chatty.send("."));
    REQUIRE(chatty.receive(1) == ".");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(silent.wait_closed());
  CHECK(poll_until([&] { return logs.contains("timeout: idle for 300 ms"); }));
  REQUIRE(chatty.send("!"));
  CHECK(chatty.receive(1) == "!");
}

TEST_CASE("sessions are actors that other actors can talk to") {
  test_node node;
  session_function greeter = [](session& self) -> caf::behavior {
    return {
        [&self](const packet& pkt) { self.send(pkt); },
        [&self](const std::string& name) { self.send("hello " + name); },
    };
  };
  auto info = start_raw_server(node.reg, 0, 1, greeter, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send_framed("hi", 2));
  REQUIRE(client.receive_framed(2) == "hi");
  auto kids = server_children(node.reg, info->port);
  REQUIRE(kids);
  REQUIRE(kids->size() == 1);
  auto session_actor = kids->front().session;
  SECTION("a message of the session's own protocol") {
    caf::anon_send(session_actor, std::string{"actor"});
    CHECK(client.receive_framed(2) == "hello actor");
  }
  SECTION("pss's send and close messages") {
    caf::anon_send(session_actor, send_atom::value, std::string{"pushed"});
    CHECK(client.receive_framed(2) == "pushed");
    caf::anon_send(session_actor, close_atom::value);
    CHECK(client.wait_closed());
  }
}

TEST_CASE("a session's own handlers answer requests, time out and are "
          "replaced, behind pss's") {
  test_node node;
  using ask_atom = caf::atom_constant<caf::atom("ask")>;
  using swap_atom = caf::atom_constant<caf::atom("swap")>;
  session_function talker = [](session& self) -> caf::behavior {
    return {
        [](ask_atom, int x) { return x * 2; },
        [&self](swap_atom) {
          self.become({
              [](ask_atom, int x) { return x + 1; },
              caf::after(std::chrono::milliseconds(50)) >>
                  [&self] { self.send("quiet"); },
          });
        },
    };
  };
  auto info = start_raw_server(node.reg, 0, 1, talker, packet_type::u8, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.connected());
  REQUIRE(poll_until([&] { return status_is(node, info->port, 1); }));
  auto session_actor = server_children(node.reg, info->port)->front().session;
  caf::scoped_actor self{node.sys};
  auto ask = [&](int x) {
    int answer = -1;
    self->request(session_actor, std::chrono::seconds(5), ask_atom::value, x)
        .receive([&](int y) { answer = y; },
                 [&](caf::error& err) { FAIL(node.sys.render(err)); });
    return answer;
  };
  CHECK(ask(21) == 42);
  // pss's own send: answered empty, or with the error of a packet that does
  // not fit the framing.
  bool sent = false;
  self->request(session_actor, std::chrono::seconds(5), send_atom::value,
                std::string{"pushed"})
      .receive([&] { sent = true; },
               [&](caf::error& err) { FAIL(node.sys.render(err)); });
  CHECK(sent);
  CHECK(client.receive_framed(1) == "pushed");
  caf::error refused;
  self->request(session_actor, std::chrono::seconds(5), send_atom::value,
                std::string(300, 'x'))
      .receive([] { FAIL("a 300-byte packet went out in u8 framing"); },
               [&](caf::error& err) { refused = std::move(err); });
  CHECK(refused == error::packet_too_large);
  // The replacement handlers, and their timeout.
  caf::anon_send(session_actor, swap_atom::value);
  CHECK(client.receive_framed(1) == "quiet");
  CHECK(ask(41) == 42);
}

TEST_CASE("a peer that closes mid-packet ends its session with a report") {
  test_node node;
  log_capture logs;
  auto info = start_raw_server(node.reg, 0, 1, echo_fn(), packet_type::u32, 0);
  REQUIRE(info);
  {
    loopback_client client{info->port};
    REQUIRE(client.send(std::string("\x00\x00\x00\x09half", 8)));
  }
  CHECK(poll_until([&] { return logs.contains("truncated_frame"); }));
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE("a session pushing to a peer that never reads ends with "
          "send_buffer_full") {
  test_node node;
  log_capture logs;
  server_spec spec;
  spec.max = 2;
  spec.session.write_high_water = 16 * 1024;
  spec.session.write_limit = 256 * 1024;
  // Pushes 64 KiB per message it sends itself, without waiting for input:
  // only the write limit stops it.
  using tick_atom = caf::atom_constant<caf::atom("tick")>;
  session_function pusher = [](session& self) -> caf::behavior {
    self.send_to(self.handle(), tick_atom::value);
    return {[&self](tick_atom) {
      self.send(std::string(64 * 1024, 'p'));
      self.send_to(self.handle(), tick_atom::value);
    }};
  };
  auto info = start_raw_server(node.reg, spec, pusher);
  REQUIRE(info);
  loopback_client hog{info->port};
  REQUIRE(hog.connected());
  CHECK(poll_until([&] { return logs.contains("send_buffer_full"); }));
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
}

TEST_CASE("a peer that does not read pauses its session, and nothing is "
          "lost") {
  test_node node;
  server_spec spec;
  spec.max = 1;
  spec.session.write_high_water = 16 * 1024; // write limit: 16 x that
  auto info = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(info);
  loopback_client client{info->port};
  std::string chunk(8192, '\0');
  for (size_t i = 0; i < chunk.size(); ++i)
    chunk[i] = static_cast<char>('a' + i % 26);
  // Send without reading until the server stops taking data: it must stop
  // reading from us rather than queue our echo without bound (which would
  // pass the 256 KiB write limit and end the session).
  size_t sent = 0;
  auto stalled_since = std::chrono::steady_clock::now();
  auto give_up = stalled_since + std::chrono::seconds(10);
  while (sent < 64u * 1024 * 1024
         && std::chrono::steady_clock::now() < give_up) {
    auto offset = sent % chunk.size();
    auto n = client.send_some(chunk.data() + offset, chunk.size() - offset);
    auto now = std::chrono::steady_clock::now();
    if (n > 0)
      stalled_since = now;
    else if (now - stalled_since > std::chrono::milliseconds(300))
      break;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sent += n;
  }
  CHECK(sent < 64u * 1024 * 1024);
  CHECK(status_is(node, info->port, 1));
  // Now read: every byte comes back, in order.
  auto echoed = client.receive(sent);
  REQUIRE(echoed.size() == sent);
  bool intact = true;
  for (size_t i = 0; i < echoed.size() && intact; ++i)
    intact = echoed[i] == chunk[i % chunk.size()];
  CHECK(intact);
}

TEST_CASE("packets take the fast path until the session hands them back") {
  test_node node;
  log_capture logs;
  session_function switcher = [](session& self) -> caf::behavior {
    self.on_packet([&self](caf::string_view payload) {
      std::string text{payload.begin(), payload.end()};
      if (text == "throw")
        throw std::runtime_error("fast path failed");
      if (text == "switch") {
        self.on_packet(nullptr);
        self.send("switched");
        return;
      }
      self.send("fast:" + text);
    });
    return {[&self](const packet& pkt) { self.send("slow:" + pkt.data); }};
  };
  auto info = start_raw_server(node.reg, 0, 2, switcher, packet_type::u16, 0);
  REQUIRE(info);
  loopback_client client{info->port};
  REQUIRE(client.send_framed("a", 2));
  CHECK(client.receive_framed(2) == "fast:a");
  REQUIRE(client.send_framed("switch", 2));
  CHECK(client.receive_framed(2) == "switched");
  REQUIRE(client.send_framed("b", 2));
  CHECK(client.receive_framed(2) == "slow:b");
  loopback_client other{info->port};
  REQUIRE(other.send_framed("throw", 2));
  CHECK(other.wait_closed());
  CHECK(poll_until([&] { return logs.contains("fast path failed"); }));
}

namespace {

const packet_type framings_with_boundaries[]
    = {packet_type::line, packet_type::u8, packet_type::u16, packet_type::u32};

// `payload` as it goes over the wire in `type`'s framing (pss's own encoder).
std::string on_wire(const std::string& payload, packet_type type) {
  std::vector<char> out;
  REQUIRE(!append_frame(out, type, payload.data(), payload.size()));
  return {out.begin(), out.end()};
}

} // namespace

TEST_CASE("a half-closed peer still gets every reply, then the session ends") {
  test_node node;
  for (auto type : framings_with_boundaries) {
    INFO("packet " << to_string(type));
    auto info = start_raw_server(node.reg, 0, 2, echo_fn(), type, 0);
    REQUIRE(info);
    loopback_client client{info->port};
    std::string sent;
    for (int i = 0; i < 50; ++i)
      sent += on_wire("packet " + std::to_string(i), type);
    REQUIRE(client.send(sent));
    client.shutdown_sending();
    CHECK(client.receive(sent.size()) == sent);
    CHECK(client.wait_closed());
    CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
  }
}

TEST_CASE("a reset in the middle of a packet ends only that session") {
  test_node node;
  for (auto type : framings_with_boundaries) {
    INFO("packet " << to_string(type));
    auto info = start_raw_server(node.reg, 0, 4, echo_fn(), type, 0);
    REQUIRE(info);
    loopback_client survivor{info->port};
    {
      loopback_client victim{info->port};
      auto whole = on_wire("complete", type);
      REQUIRE(victim.send(whole));
      REQUIRE(victim.receive(whole.size()) == whole);
      // The header (if any) and three bytes of a packet that never ends.
      REQUIRE(victim.send(
          on_wire("half a packet", type).substr(0, header_size(type) + 3)));
      victim.reset();
    }
    CHECK(poll_until([&] { return status_is(node, info->port, 1); }));
    auto ping = on_wire("still here", type);
    REQUIRE(survivor.send(ping));
    CHECK(survivor.receive(ping.size()) == ping);
  }
}
