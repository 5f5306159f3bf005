// The control endpoint's door (issue 12: items 1, 2 and 9): what a peer
// that has not proven it knows the secret can cost the node, and what
// crosses the wire when one that knows it connects.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/io/middleman.hpp>

#include <catch2/catch.hpp>

#include "auth/challenge.hpp"
#include "log_lines.hpp"
#include "loopback_client.hpp"
#include "node_process.hpp"
#include "process_probe.hpp"
#include "secret_file.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

constexpr timeout_ms answer_in{5000};

/// A pss-node with an echo server `alpha` and a control endpoint asking for
/// `test_secret`, plus `extra` arguments.
struct door_node {
  explicit door_node(std::vector<std::string> extra = {},
                     const std::string& launcher = "")
      : node(launcher.empty()
                 ? node_process{arguments(extra, secret.path())}
                 : node_process{launcher, with_binary(extra, secret.path())}) {
    port = node.read_control();
    node.read_started();
    alpha = node.servers["alpha"];
  }

  static std::vector<std::string> arguments(std::vector<std::string> extra,
                                            const std::string& path) {
    std::vector<std::string> args{"--control",     "127.0.0.1:0",
                                  "--secret-file", path,
                                  "--server",      "echo,name=alpha,max=1000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // For a launcher such as prlimit: its own options come first in `extra`,
  // up to "--", then pss-node and its arguments.
  static std::vector<std::string> with_binary(std::vector<std::string> extra,
                                              const std::string& path) {
    std::vector<std::string> args;
    auto split = std::find(extra.begin(), extra.end(), "--");
    args.insert(args.end(), extra.begin(), split);
    args.push_back(PSS_NODE_BINARY);
    auto rest = arguments({}, path);
    args.insert(args.end(), rest.begin(), rest.end());
    if (split != extra.end())
      args.insert(args.end(), split + 1, extra.end());
    return args;
  }

  bool answers(test_node& here) {
    auto reg
        = connect_control(here.sys, "127.0.0.1", port, test_secret, answer_in);
    return reg && static_cast<bool>(list_servers(*reg, answer_in));
  }

  secret_file secret;
  node_process node;
  uint16_t port = 0;
  uint16_t alpha = 0;
};

std::string bytes_of(const unsigned char* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// A client's answer to `hello_bytes` for `secret`.
std::string response_to(const std::string& hello_bytes,
                        const std::string& secret) {
  auto hello = auth::decode_hello(
      reinterpret_cast<const unsigned char*>(hello_bytes.data()));
  REQUIRE(hello);
  auth::response response;
  response.client_nonce = auth::fresh_nonce();
  response.client_mac
      = auth::client_mac(secret, hello->node_nonce, response.client_nonce);
  auto bytes = auth::encode(response);
  return bytes_of(bytes.data(), bytes.size());
}

/// The 32-byte header of CAF 0.17's protocol (BASP) opening a client
/// handshake that announces a payload of about 64 MiB. The length's bytes
/// read the same in either byte order.
std::string huge_basp_header() {
  std::string header(32, '\0');
  header[0] = 0x01; // client_handshake
  header[4] = 0x04; // payload length 0x04000004
  header[7] = 0x04;
  header[15] = 0x03; // BASP version 3
  return header;
}

/// Relays one TCP connection between a client and 127.0.0.1:`target`,
/// keeping every byte that passes in either direction: what a sniffer on
/// the path sees.
class recording_relay {
public:
  explicit recording_relay(uint16_t target) : target_(target) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
    REQUIRE(::listen(listen_fd_, 4) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~recording_relay() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  uint16_t port() const {
    return port_;
  }

  /// Everything relayed so far, both directions.
  std::string seen() {
    std::lock_guard<std::mutex> guard{mtx_};
    return seen_;
  }

private:
  void run() {
    pollfd wait_accept{listen_fd_, POLLIN, 0};
    while (!stop_ && ::poll(&wait_accept, 1, 50) <= 0) {
      // until a client comes or the test ends
    }
    if (stop_)
      return;
    int client = ::accept(listen_fd_, nullptr, nullptr);
    loopback_client upstream{target_};
    int server = upstream.fd();
    char buf[65536];
    while (!stop_) {
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(fds, 2, 50) <= 0)
        continue;
      for (int i = 0; i < 2; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
          continue;
        auto n = ::recv(fds[i].fd, buf, sizeof(buf), 0);
        if (n <= 0) {
          ::close(client);
          return;
        }
        {
          std::lock_guard<std::mutex> guard{mtx_};
          seen_.append(buf, static_cast<size_t>(n));
        }
        auto other = i == 0 ? server : client;
        for (ssize_t sent = 0; sent < n;) {
          auto k = ::send(other, buf + sent, static_cast<size_t>(n - sent),
                          MSG_NOSIGNAL);
          if (k <= 0) {
            ::close(client);
            return;
          }
          sent += k;
        }
      }
    }
    ::close(client);
  }

  uint16_t target_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mtx_;
  std::string seen_;
};

} // namespace

TEST_CASE("a header announcing a huge payload costs the node nothing before "
          "the handshake") {
  test_node here;
  door_node door;
  REQUIRE(door.answers(here));
  auto before = resident_kib(door.node.proc.pid());
  // Four peers that skip the handshake and speak CAF's protocol at once:
  // CAF alone would reserve 64 MiB for each of them.
  std::vector<std::unique_ptr<loopback_client>> peers;
  for (int i = 0; i < 4; ++i) {
    peers.emplace_back(new loopback_client(door.port));
    REQUIRE(peers.back()->connected());
    REQUIRE(peers.back()->send(huge_basp_header()));
  }
  // Once the node answered a control request made after them, it has read
  // what they sent.
  REQUIRE(door.answers(here));
  auto after = resident_kib(door.node.proc.pid());
  INFO("RSS before " << before << " KiB, after " << after << " KiB");
  // 64 KiB a connection is the promise; the rest is the answer's own noise.
  CHECK(after < before + 4 * 64 + 2048);
  // Their bytes are no response: once a response's worth arrived the door
  // refuses.
  for (auto& peer : peers)
    CHECK(peer->send(std::string(auth::response_size - 32, 'x')));
  for (auto& peer : peers) {
    std::string got;
    CHECK(peer->receive_to_end(got));
    // The hello, then the refusal of a bad response.
    REQUIRE(got.size() == auth::hello_size + auth::refused_size);
    CHECK(got[auth::hello_size] == 'R');
    CHECK(got[auth::hello_size + 1]
          == static_cast<char>(auth::refusal::bad_response));
  }
}

TEST_CASE("connections in their handshake are limited and timed out, and "
          "newcomers still get in") {
  test_node here;
  door_node door{
      {"--control-max-pending", "4", "--control-handshake-timeout", "1000"}};
  // Six strangers that never answer the hello: the two oldest are closed as
  // the fifth and sixth arrive.
  std::vector<std::unique_ptr<loopback_client>> strangers;
  for (int i = 0; i < 6; ++i) {
    strangers.emplace_back(new loopback_client(door.port));
    REQUIRE(strangers.back()->receive(auth::hello_size).size()
            == auth::hello_size);
  }
  CHECK(strangers[0]->wait_closed(2s));
  CHECK(strangers[1]->wait_closed(2s));
  // A client that means it gets in while four strangers hold their slots.
  auto start = std::chrono::steady_clock::now();
  CHECK(door.answers(here));
  // The rest are closed once their second is up; a client that completed
  // the handshake stays (its connection is CAF's now).
  for (size_t i = 2; i < strangers.size(); ++i)
    CHECK(strangers[i]->wait_closed(5s));
  auto waited = std::chrono::steady_clock::now() - start;
  CHECK(waited < 4s);
  // Logged from the node's log thread, a moment after the close.
  CHECK(poll_until([&] {
    return door.node.proc.stderr_text().find("no handshake within 1000 ms")
           != std::string::npos;
  }));
  CHECK(door.answers(here));
}

TEST_CASE("a flood of idle control connections under a descriptor limit "
          "neither spins the node nor locks out its operator or its "
          "clients") {
  test_node here;
  door_node door{{"--nofile=256:256", "--"}, "/usr/bin/prlimit"};
  auto ticks_per_second = ::sysconf(_SC_CLK_TCK);
  auto before = cpu_ticks(door.node.proc.pid());
  auto start = std::chrono::steady_clock::now();
  // 300 idle connections: more than the node has descriptors.
  std::vector<std::unique_ptr<loopback_client>> idle;
  for (int i = 0; i < 300; ++i) {
    idle.emplace_back(new loopback_client(door.port));
    REQUIRE(idle.back()->connected());
  }
  // The operator gets in, and so do the data clients.
  CHECK(door.answers(here));
  loopback_client client{door.alpha};
  REQUIRE(client.send("ping"));
  CHECK(client.receive(4) == "ping");
  poll_until([&] { return std::chrono::steady_clock::now() - start >= 2s; });
  auto used = cpu_ticks(door.node.proc.pid()) - before;
  auto elapsed
      = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  INFO("CPU ticks " << used << " in " << elapsed << " s");
  // A spinning loop would use all of it.
  CHECK(used < ticks_per_second * elapsed / 4);
  CHECK(door.answers(here));
}

TEST_CASE("a recorded handshake is refused on any other connection") {
  door_node door;
  loopback_client first{door.port};
  auto hello1 = first.receive(auth::hello_size);
  REQUIRE(hello1.size() == auth::hello_size);
  auto answer = response_to(hello1, test_secret);
  REQUIRE(first.send(answer));
  auto accepted = first.receive(auth::accepted_size);
  REQUIRE(accepted.size() == auth::accepted_size);
  CHECK(accepted[0] == 'A');
  // The same answer on a new connection: that connection's nonce differs.
  loopback_client second{door.port};
  auto hello2 = second.receive(auth::hello_size);
  REQUIRE(hello2.size() == auth::hello_size);
  CHECK(hello2 != hello1);
  REQUIRE(second.send(answer));
  std::string got;
  CHECK(second.receive_to_end(got));
  REQUIRE(got.size() == auth::refused_size);
  CHECK(got[0] == 'R');
  CHECK(got[1] == static_cast<char>(auth::refusal::wrong_secret));
}

TEST_CASE("the secret never crosses the wire") {
  test_node here;
  door_node door;
  recording_relay relay{door.port};
  auto reg = connect_control(here.sys, "127.0.0.1", relay.port(), test_secret,
                             answer_in);
  REQUIRE(reg);
  auto all = list_servers(*reg, answer_in);
  REQUIRE(all);
  CHECK(all->front().name == "alpha");
  auto seen = relay.seen();
  // The relay saw the whole exchange: the door's greeting and the answer.
  CHECK(seen.find("PSSCTL01") != std::string::npos);
  CHECK(seen.find("alpha") != std::string::npos);
  CHECK(seen.find(test_secret) == std::string::npos);
}

TEST_CASE("a flood of wrong secrets logs at most 10 refusals a second and "
          "counts the rest") {
  door_node door;
  constexpr size_t tries = 200;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < tries; ++i) {
    loopback_client guesser{door.port};
    auto hello = guesser.receive(auth::hello_size);
    REQUIRE(hello.size() == auth::hello_size);
    REQUIRE(guesser.send(response_to(hello, "a guess, not the secret")));
    std::string got;
    REQUIRE(guesser.receive_to_end(got));
    REQUIRE(got.size() == auth::refused_size);
  }
  cause_count seen;
  auto accounted = poll_until([&] {
    seen = count_cause(door.node.proc.stderr_text(),
                       "refused control connection from", "refused");
    return seen.written + seen.suppressed == tries;
  });
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
  CAPTURE(seen.written, seen.suppressed, seen.summaries, seconds);
  CHECK(accounted);
  CHECK(seen.written <= 10 * static_cast<size_t>(seconds + 1));
  CHECK(seen.summaries >= 1);
  // The guesses cost nobody else anything.
  test_node here;
  CHECK(door.answers(here));
}

TEST_CASE("a client that does not know the handshake is refused") {
  test_node here;
  door_node door{{"--control-handshake-timeout", "1000"}};
  // Plain CAF speaks BASP at once; the door takes that for a bad response
  // or times it out.
  auto raw = here.sys.middleman().remote_actor("127.0.0.1", door.port);
  CHECK(!raw);
  CHECK(door.answers(here));
}

TEST_CASE("the handshake's macs bind the secret and both nonces") {
  auto n1 = auth::fresh_nonce();
  auto n2 = auth::fresh_nonce();
  CHECK(n1 != n2);
  auto mac = auth::client_mac("a secret of sixteen", n1, n2);
  CHECK(auth::macs_equal(mac, auth::client_mac("a secret of sixteen", n1, n2)));
  CHECK(
      !auth::macs_equal(mac, auth::client_mac("a secret of sixteeN", n1, n2)));
  CHECK(
      !auth::macs_equal(mac, auth::client_mac("a secret of sixteen", n2, n1)));
  // A node's proof is never a client's answer.
  CHECK(!auth::macs_equal(mac, auth::node_mac("a secret of sixteen", n1, n2)));
  auth::hello hello{true, n1};
  auto bytes = auth::encode(hello);
  auto back = auth::decode_hello(bytes.data());
  REQUIRE(back);
  CHECK(back->secret_required);
  CHECK(back->node_nonce == n1);
  bytes[0] = 'X';
  CHECK(!auth::decode_hello(bytes.data()));
  // Without a secret any well-formed response passes, garbage does not.
  auth::response response{n2, {}};
  auto encoded = auth::encode(response);
  CHECK(auth::judge("", hello, encoded.data()).accepted);
  CHECK(!auth::judge("a secret of sixteen", hello, encoded.data()).accepted);
  encoded[3] = '?';
  auto verdict = auth::judge("", hello, encoded.data());
  CHECK(!verdict.accepted);
  CHECK(verdict.reason == auth::refusal::bad_response);
}
