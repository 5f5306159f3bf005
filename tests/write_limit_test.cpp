// A peer that reads, only later than it sends, is slowed down by its
// session (reading pauses while its output is backed up), never dropped
// for it, whatever the size of its packets up to the limit. Only a peer
// that does not read while its session keeps sending hits the write limit,
// and then its connection is reset: a FIN would make the part of the
// output it got look complete.

#include <cerrno>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>

#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "loopback_client.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

using more_atom = caf::atom_constant<caf::atom("t_more")>;

constexpr int peer_count = 10;
constexpr int requests = 8;
constexpr size_t request_size = 1024 * 1024;

// A peer of an echo server that pipelines its requests and reads late.
struct late_reader {
  explicit late_reader(uint16_t port, char fill) : client(port) {
    for (int i = 0; i < requests; ++i)
      out += loopback_client::frame(
          std::string(request_size, static_cast<char>(fill + i)), 4);
  }

  // Sends what the socket takes now; true once all is sent.
  bool send_more() {
    while (sent < out.size()) {
      auto n = client.send_some(out.data() + sent, out.size() - sent);
      if (n == 0)
        return false;
      sent += n;
    }
    return true;
  }

  // Reads what is there now; false once the connection ended.
  bool read_more() {
    char buf[65536];
    for (;;) {
      auto rc = ::recv(client.fd(), buf, sizeof(buf), MSG_DONTWAIT);
      if (rc > 0) {
        in.append(buf, static_cast<size_t>(rc));
        continue;
      }
      return rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }

  bool done() const {
    return in.size() >= out.size();
  }

  loopback_client client;
  std::string out;
  size_t sent = 0;
  std::string in;
  bool open = true;
};

} // namespace

TEST_CASE("a pipelining peer that reads late gets every reply to packets "
          "over the write limit") {
  auto mode = GENERATE(run_mode::io, run_mode::pool);
  CAPTURE(to_string(mode));
  log_capture logs;
  test_node node;
  server_spec spec;
  spec.max = peer_count;
  spec.packet = packet_type::u32; // Packet limit 64 MiB, write limit 1 MiB.
  spec.session.runs_on = mode;
  auto info = start_raw_server(node.reg, spec, echo_fn());
  REQUIRE(info);
  std::vector<std::unique_ptr<late_reader>> peers;
  for (int i = 0; i < peer_count; ++i) {
    peers.emplace_back(std::make_unique<late_reader>(info->port, 'a' + i));
    REQUIRE(peers.back()->client.connected());
  }
  // Each peer sends until its socket takes no more (or all is sent), and
  // only then starts reading: the replies queue meanwhile.
  for (auto& peer : peers)
    peer->send_more();
  // 80 MiB each way: about 5 s per mode in the optimised build and 9 s
  // under the sanitizers on a loaded machine (the 10 s default deadline
  // once ran out there). The check is that every reply comes, not how fast.
  CHECK(poll_until(
      [&] {
        bool all_done = true;
        for (auto& peer : peers) {
          if (peer->open && !peer->done()) {
            peer->open = peer->read_more();
            peer->send_more();
          }
          all_done = all_done && (peer->done() || !peer->open);
        }
        return all_done;
      },
      std::chrono::seconds(50)));
  int whole = 0;
  for (auto& peer : peers)
    whole += peer->in == peer->out ? 1 : 0;
  CHECK(whole == peer_count);
  CHECK(!logs.contains("send_buffer_full"));
}

TEST_CASE("a session that passes its write limit resets a peer that does "
          "not read") {
  test_node node;
  server_spec spec;
  spec.max = 1;
  spec.packet = packet_type::line;
  spec.packet_size = 1024;
  spec.session.write_limit = 256 * 1024;
  // Answers a line by sending without end, a piece per message to itself
  // (each one a write of its own).
  auto flood = [](session& self) -> caf::behavior {
    return {
        [&self](const packet&) {
          caf::anon_send(self.handle(), more_atom::value);
        },
        [&self](more_atom) {
          self.send(std::string(64 * 1024, 'z'));
          caf::anon_send(self.handle(), more_atom::value);
        },
    };
  };
  auto info = start_raw_server(node.reg, spec, flood);
  REQUIRE(info);
  loopback_client peer{info->port};
  REQUIRE(peer.send("go\n"));
  CHECK(poll_until([&] { return status_is(node, info->port, 0); }));
  // The peer reads now: some output, then a reset, never a FIN.
  std::string got;
  CHECK(!peer.receive_to_end(got));
}
