// What pss reads of CAF 0.17's internals (actors/caf017/): these tests fail
// if another CAF version changes what pss relies on.

#include <chrono>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include "caf017/awaits_response.hpp"
#include "caf017/basp_handoff.hpp"
#include "caf017/scheduler.hpp"
#include "deadline.hpp"
#include "test_node.hpp"

using namespace pss;
using namespace pss::test;

namespace {

using ask_atom = caf::atom_constant<caf::atom("t_ask")>;
using probe_atom = caf::atom_constant<caf::atom("t_probe")>;
using answer_atom = caf::atom_constant<caf::atom("t_answer")>;

struct prober_state {
  // What awaits_response said before, during and after the await.
  std::vector<bool> seen;
  caf::response_promise reply;
};

// Awaits an answer from `peer`, noting what awaits_response says around it.
caf::behavior prober(caf::stateful_actor<prober_state>* self, caf::actor peer) {
  return {
      [self, peer](probe_atom) {
        auto& st = self->state;
        st.reply = self->make_response_promise();
        st.seen.push_back(caf017::awaits_response(self));
        self->request(peer, std::chrono::seconds(10), ask_atom::value)
            .await([self](answer_atom) {
              auto& st = self->state;
              st.seen.push_back(caf017::awaits_response(self));
              st.reply.deliver(st.seen);
            });
        st.seen.push_back(caf017::awaits_response(self));
      },
  };
}

// A connected pair of TCP sockets on loopback: {accepted, connecting}.
std::pair<int, int> loopback_pair() {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listener, 1);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ::close(listener);
  return {server, client};
}

caf::behavior answerer(caf::event_based_actor*, int offset) {
  return {[offset](int x) { return x + offset; }};
}

} // namespace

TEST_CASE("CAF's BASP broker adopts connected sockets on either side") {
  // Two nodes in one process, joined by a socket pair made outside CAF, as
  // the control endpoint's door and its client do.
  test_node node;
  test_node client;
  auto published = node.sys.spawn(answerer, 1);
  auto [server_fd, client_fd] = loopback_pair();
  REQUIRE(server_fd >= 0);
  REQUIRE(client_fd >= 0);
  caf017::adopt_as_node(node.sys, server_fd, 4711,
                        caf::actor_cast<caf::strong_actor_ptr>(published),
                        {"an interface"});
  caf::scoped_actor self{client.sys};
  auto peer = caf017::adopt_as_client(self, client_fd, 4711,
                                      caf::duration{std::chrono::seconds(10)});
  REQUIRE(peer);
  CHECK(peer->node == node.sys.node());
  CHECK(peer->interface == std::set<std::string>{"an interface"});
  REQUIRE(peer->published);
  auto remote = caf::actor_cast<caf::actor>(peer->published);
  int answer = 0;
  self->request(remote, std::chrono::seconds(10), 41)
      .receive([&](int x) { answer = x; }, [](caf::error&) {});
  CHECK(answer == 42);
  caf::anon_send_exit(published, caf::exit_reason::user_shutdown);
}

TEST_CASE("awaits_response tells whether an actor awaits a response") {
  test_node node;
  // Function actors get an (unused) argument: CAF 0.17 dereferences null
  // when it spawns one without arguments.
  auto answerer = node.sys.spawn(
      [](int) -> caf::behavior {
        return {[](ask_atom) { return answer_atom::value; }};
      },
      0);
  auto probe = node.sys.spawn(prober, answerer);
  caf::scoped_actor self{node.sys};
  std::vector<bool> seen;
  self->request(probe, std::chrono::seconds(10), probe_atom::value)
      .receive([&](std::vector<bool>& xs) { seen = xs; },
               [&](caf::error& err) { FAIL(node.sys.render(err)); });
  // Before the request, right after await() registered it, and inside the
  // response handler (CAF drops the awaited response before calling it).
  CHECK(seen == std::vector<bool>{false, true, false});
  self->send_exit(probe, caf::exit_reason::user_shutdown);
  self->send_exit(answerer, caf::exit_reason::user_shutdown);
}

TEST_CASE("a pss actor system's clock is the tracking clock and still times "
          "out requests") {
  test_node node;
  REQUIRE(dynamic_cast<caf017::tracking_clock*>(&node.sys.clock()) != nullptr);
  // A request timeout set through the tracking clock fires as CAF's.
  auto silent = node.sys.spawn(
      [](int) -> caf::behavior {
        return {[](ask_atom) -> caf::result<answer_atom> {
          return caf::delegated<answer_atom>{};
        }};
      },
      0);
  caf::scoped_actor self{node.sys};
  bool timed_out = false;
  self->request(silent, std::chrono::milliseconds(50), ask_atom::value)
      .receive([](answer_atom) {},
               [&](caf::error& err) {
                 timed_out = err == caf::sec::request_timeout;
               });
  CHECK(timed_out);
  self->send_exit(silent, caf::exit_reason::user_shutdown);
}
