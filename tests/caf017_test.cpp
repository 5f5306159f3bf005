// What pss reads of CAF 0.17's internals (actors/caf017/): these tests fail
// if another CAF version changes what pss relies on.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/receive_policy.hpp>
#include <caf/logger.hpp>
#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include "caf017/awaits_response.hpp"
#include "caf017/basp_handoff.hpp"
#include "caf017/listen_watch.hpp"
#include "caf017/scheduler.hpp"
#include "caf017/socket_handoff.hpp"
#include "deadline.hpp"
#include "loopback_client.hpp"
#include "server/listen_socket.hpp"
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

// Reads every socket handed to it (in its own actor system's multiplexer)
// and echoes what it reads.
caf::behavior adopting_echo(caf::io::broker* self, int read_size) {
  return {
      [self, read_size](handed_socket_ptr& sock) {
        auto hdl = adopt_socket(self, *sock);
        self->configure_read(hdl, caf::io::receive_policy::at_most(
                                      static_cast<size_t>(read_size)));
      },
      [self](const caf::io::new_data_msg& msg) {
        self->write(msg.handle, msg.buf.size(), msg.buf.data());
        self->flush(msg.handle);
      },
      [](const caf::io::connection_closed_msg&) {},
  };
}

struct watching_listener_state {
  std::unique_ptr<listen_watch> watch;
  ~watching_listener_state() {
    if (watch)
      close_listen_watch(std::move(watch), nullptr);
  }
};

using epoll_fd_atom = caf::atom_constant<caf::atom("t_epollfd")>;
using pause_atom = caf::atom_constant<caf::atom("t_pause")>;

// Accepts on `fd` (owned) through a listen watch and passes every socket on
// to `next`, or drops it when `next` is invalid.
caf::behavior
watching_listener(caf::io::stateful_broker<watching_listener_state>* self,
                  int fd, caf::actor next) {
  auto& mpx
      = dynamic_cast<caf::io::network::default_multiplexer&>(self->backend());
  self->state.watch = std::make_unique<listen_watch>(mpx, fd, self);
  self->state.watch->resume();
  return {
      [self, next](const listen_ready_msg& msg) {
        int accepted = ::accept4(msg.watch->fd(), nullptr, nullptr,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (accepted < 0)
          return;
        auto sock = std::make_shared<handed_socket>(accepted);
        if (next)
          self->send(next, std::move(sock));
      },
      [self](epoll_fd_atom) {
        auto& mpx = dynamic_cast<caf::io::network::default_multiplexer&>(
            self->backend());
        return epoll_fd_of(mpx);
      },
      [self](pause_atom, bool paused) {
        if (paused)
          self->state.watch->pause();
        else
          self->state.watch->resume();
        return caf::ok_atom::value;
      },
  };
}

// The events `fd` is registered for in the epoll set `epoll_fd` of this
// process (from /proc), or 0 if it is not in it.
uint32_t epoll_events_of(int epoll_fd, int fd) {
  std::ifstream info{"/proc/self/fdinfo/" + std::to_string(epoll_fd)};
  std::string line;
  while (std::getline(info, line)) {
    // "tfd:        7 events:       19 data: ..." (numbers padded).
    int target = -1;
    unsigned events = 0;
    if (std::sscanf(line.c_str(), "tfd: %d events: %x", &target, &events) == 2
        && target == fd)
      return events;
  }
  return 0;
}

using fork_atom = caf::atom_constant<caf::atom("t_fork")>;
using started_atom = caf::atom_constant<caf::atom("t_started")>;
using closed_atom = caf::atom_constant<caf::atom("t_closed")>;

// A forked broker: tells `report` when its behavior function ran and when
// its connection closed.
caf::behavior reporting_child(caf::io::broker* self, caf::io::connection_handle,
                              caf::actor report) {
  self->send(report, started_atom::value);
  return {
      [self, report](const caf::io::connection_closed_msg&) {
        self->send(report, closed_atom::value);
        self->quit();
      },
  };
}

// Forks a `reporting_child` for every socket handed to it, in a turn that
// CAF runs between two polls: a message sent from a task posted on its own
// I/O thread, as a session host's turns can be.
caf::behavior late_forker(caf::io::broker* self, caf::actor report) {
  return {
      [self](handed_socket_ptr& sock) {
        auto me = caf::actor_cast<caf::actor>(self);
        self->backend().post(
            [me, sock] { caf::anon_send(me, fork_atom::value, sock); });
      },
      [self, report](fork_atom, handed_socket_ptr& sock) {
        auto hdl = adopt_socket(self, *sock);
        self->configure_read(hdl, caf::io::receive_policy::at_most(1024));
        self->fork(reporting_child, hdl, report);
      },
  };
}

size_t sockets_in_loop(caf::actor_system& sys) {
  return static_cast<caf::io::network::default_multiplexer&>(
             sys.middleman().backend())
      .num_socket_handlers();
}

using where_atom = caf::atom_constant<caf::atom("t_where")>;

// Answers whether it runs on a thread of its own actor system.
caf::behavior place_teller(caf::event_based_actor* self, int) {
  return {[self](where_atom) {
    return &self->context()->system() == &self->home_system();
  }};
}

// Asks `teller` where it runs and reports the answer to `report`.
template <class Self>
caf::behavior place_asker(Self* self, caf::actor teller, caf::actor report) {
  return {[self, teller, report](where_atom) {
    self->request(teller, std::chrono::seconds(10), where_atom::value)
        .then([report](bool own) { caf::anon_send(report, own); });
  }};
}

// How many of `asks` answers a teller of `other` gave from its own
// system's threads when a broker of `home` woke it (first) and when an
// event-based actor of `home` did (second). A teller that is still busy
// when a message comes (its launch, its last answer) takes the message on
// the thread it runs on: only a teller that was idle shows where a wake-up
// puts it, hence several asks.
std::pair<int, int> own_thread_answers(caf::actor_system& home,
                                       caf::actor_system& other, int asks) {
  auto teller = other.spawn(place_teller, 0);
  auto count = [&](caf::actor asker, caf::scoped_actor& self) {
    int own = 0;
    for (int i = 0; i < asks; ++i) {
      self->send(asker, where_atom::value);
      self->receive([&](bool x) { own += x ? 1 : 0; },
                    caf::after(std::chrono::seconds(10)) >>
                        [] { FAIL("no answer from the teller"); });
    }
    self->send_exit(asker, caf::exit_reason::user_shutdown);
    return own;
  };
  caf::logger::set_current_actor_system(&home);
  std::pair<int, int> result;
  {
    caf::scoped_actor self{home};
    result.first
        = count(home.middleman().spawn_broker(place_asker<caf::io::broker>,
                                              teller, caf::actor{self}),
                self);
    result.second = count(home.spawn(place_asker<caf::event_based_actor>,
                                     teller, caf::actor{self}),
                          self);
  }
  caf::anon_send_exit(teller, caf::exit_reason::user_shutdown);
  return result;
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

TEST_CASE("a listen watch wakes its broker for each client, outside CAF's "
          "registrations, and sockets accepted there are read by a broker "
          "of another actor system") {
  test_node home;
  test_node other;
  auto home_baseline = sockets_in_loop(home.sys);
  auto other_baseline = sockets_in_loop(other.sys);
  auto echo = other.sys.middleman().spawn_broker(adopting_echo, 1024);
  // A spawn into another actor system leaves this thread with that
  // system's logger (CAF_SET_LOGGER_SYS): hand it back.
  caf::logger::set_current_actor_system(&home.sys);
  auto sock = open_listen_socket("127.0.0.1", 0);
  REQUIRE(sock);
  auto listener
      = home.sys.middleman().spawn_broker(watching_listener, sock->fd, echo);
  {
    loopback_client c1{sock->port};
    loopback_client c2{sock->port};
    REQUIRE(c1.send("one"));
    REQUIRE(c2.send("two"));
    CHECK(c1.receive(3) == "one");
    CHECK(c2.receive(3) == "two");
    // The connections are in the other system's loop; the watch is in the
    // home loop's epoll set but not among CAF's sockets.
    CHECK(sockets_in_loop(other.sys) == other_baseline + 2);
    CHECK(sockets_in_loop(home.sys) == home_baseline);
  }
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  CHECK(
      poll_until([&] { return sockets_in_loop(other.sys) == other_baseline; }));
}

TEST_CASE("a listen watch is registered with EPOLLEXCLUSIVE in its CAF "
          "multiplexer's epoll set, leaves it when paused and closes its "
          "socket when it ends") {
  test_node home;
  auto sock = open_listen_socket("127.0.0.1", 0);
  REQUIRE(sock);
  auto listener = home.sys.middleman().spawn_broker(watching_listener, sock->fd,
                                                    caf::actor{});
  caf::scoped_actor self{home.sys};
  int epoll_fd = -1;
  self->request(listener, caf::infinite, epoll_fd_atom::value)
      .receive([&](int fd) { epoll_fd = fd; }, [](caf::error&) {});
  // The descriptor CAF's multiplexer reads is the epoll set it waits on.
  REQUIRE(epoll_fd >= 0);
  auto events = epoll_events_of(epoll_fd, sock->fd);
  CHECK((events & EPOLLIN) != 0);
  CHECK((events & EPOLLEXCLUSIVE) != 0);
  auto pause = [&](bool paused) {
    bool done = false;
    self->request(listener, caf::infinite, pause_atom::value, paused)
        .receive([&](caf::ok_atom) { done = true; }, [](caf::error&) {});
    return done;
  };
  REQUIRE(pause(true));
  CHECK(epoll_events_of(epoll_fd, sock->fd) == 0);
  REQUIRE(pause(false));
  CHECK((epoll_events_of(epoll_fd, sock->fd) & EPOLLEXCLUSIVE) != 0);
  // A client the listener drops is closed with the only owner.
  {
    loopback_client client{sock->port};
    REQUIRE(client.send("x"));
    CHECK(client.wait_closed());
  }
  // The watch owns the listening socket: its end closes it, and the port
  // refuses clients.
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
  CHECK(poll_until([&] {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(sock->port);
    bool refused
        = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0;
    ::close(fd);
    return refused;
  }));
}

TEST_CASE("a handed socket released to its adopter stays open and one never "
          "released closes") {
  auto [server_fd, client_fd] = loopback_pair();
  REQUIRE(server_fd >= 0);
  {
    handed_socket owned{server_fd};
    CHECK(owned.release() == server_fd);
  }
  // Released: still open, so the peer sees no end.
  char byte = 0;
  CHECK(::recv(client_fd, &byte, 1, MSG_DONTWAIT) < 0);
  { handed_socket owned{server_fd}; }
  CHECK(::recv(client_fd, &byte, 1, 0) == 0);
  ::close(client_fd);
}

TEST_CASE("a broker forked between two polls runs its behavior before the "
          "close of its socket reaches it") {
  // CAF 0.17 polls the forked socket before it launches the broker, and
  // hands a close to a broker that never started (see direct_scribe): the
  // close reached no behavior and the behavior ran after the broker ended.
  test_node node;
  caf::scoped_actor report{node.sys};
  auto forker
      = node.sys.middleman().spawn_broker(late_forker, caf::actor{report});
  auto [server_fd, client_fd] = loopback_pair();
  REQUIRE(server_fd >= 0);
  // The peer is gone before the socket reaches the loop.
  ::close(client_fd);
  caf::anon_send(forker, std::make_shared<handed_socket>(server_fd));
  std::vector<caf::atom_value> seen;
  for (int i = 0; i < 2; ++i)
    report->receive([&](started_atom) { seen.push_back(started_atom::value); },
                    [&](closed_atom) { seen.push_back(closed_atom::value); },
                    caf::after(std::chrono::seconds(10)) >> [] {});
  CHECK(
      seen
      == std::vector<caf::atom_value>{started_atom::value, closed_atom::value});
  caf::anon_send_exit(forker, caf::exit_reason::user_shutdown);
}

TEST_CASE("CAF runs an actor that an actor of another actor system wakes "
          "on the waker's system's threads") {
  // CAF 0.17 schedules a woken actor on the waker's execution unit: a
  // scheduler worker queues it in its own scheduler, a multiplexer hands it
  // to its own system's. This test fails once CAF keeps actors on their
  // own system's threads; caf017/own_threads.hpp is then no longer needed.
  caf::actor_system_config home_cfg;
  home_cfg.load<caf::io::middleman>();
  caf::actor_system_config other_cfg;
  caf::actor_system home{home_cfg};
  caf::actor_system other{other_cfg};
  constexpr int asks = 20;
  auto [by_broker, by_actor] = own_thread_answers(home, other, asks);
  CHECK(by_broker < asks);
  CHECK(by_actor < asks);
}

TEST_CASE("in pss actor systems an actor runs on its own system's threads "
          "whoever wakes it") {
  test_config home_cfg;
  test_config other_cfg;
  caf::actor_system home{home_cfg};
  caf::actor_system other{other_cfg};
  constexpr int asks = 20;
  auto [by_broker, by_actor] = own_thread_answers(home, other, asks);
  CHECK(by_broker == asks);
  CHECK(by_actor == asks);
}
