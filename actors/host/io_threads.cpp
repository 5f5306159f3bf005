#include "pss/io_threads.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/logger.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "caf017/basp_handoff.hpp"
#include "host/session_host.hpp"
#include "pss/config.hpp"
#include "pss/log.hpp"

namespace pss {

struct io_threads::impl {
  caf::actor_system* home = nullptr;
  size_t count = 1;
  // Configs outlive their systems (declared first, destroyed last).
  std::vector<std::unique_ptr<caf::actor_system_config>> configs;
  std::vector<std::unique_ptr<caf::actor_system>> systems;
  std::vector<caf::actor> hosts;
  /// Sockets in each session system's I/O loop once its host ran (the
  /// middleman's own).
  std::vector<size_t> loop_baselines;
};

namespace {

size_t sockets_in_loop(caf::actor_system& sys) {
  auto mpx = dynamic_cast<caf::io::network::default_multiplexer*>(
      &sys.middleman().backend());
  return mpx == nullptr ? 0 : mpx->num_socket_handlers();
}

// A connected pair of TCP sockets on 127.0.0.1 ({first, second}), or
// {-1, -1}.
std::pair<int, int> loopback_pair() {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0)
    return {-1, -1};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int client = -1;
  int server = -1;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::listen(listener, 1) == 0
      && ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len)
             == 0) {
    client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (client >= 0
        && ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
               == 0)
      server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  }
  ::close(listener);
  if (server < 0) {
    if (client >= 0)
      ::close(client);
    return {-1, -1};
  }
  return {server, client};
}

// Joins the session system `sys` to `home` by a BASP connection of their
// own, so that `home`'s middleman can route to the sessions of `sys`: a
// session's handle that leaves through the control endpoint (children)
// names the session's node, and a peer messaging it sends through the
// home node, which forwards it. Without the link those messages are lost.
bool link_to_home(caf::actor_system& home, caf::actor_system& sys,
                  const caf::actor& host) {
  auto [node_fd, home_fd] = loopback_pair();
  if (node_fd < 0)
    return false;
  caf017::adopt_as_node(sys, node_fd, 0,
                        caf::actor_cast<caf::strong_actor_ptr>(host), {});
  caf::scoped_actor self{home};
  auto peer = caf017::adopt_as_client(self, home_fd, 0,
                                      caf::duration{std::chrono::seconds(10)});
  return static_cast<bool>(peer);
}

// Sockets close on their I/O thread after their actors are gone: waits for
// that (bounded), so that a system does not end with sockets half closed.
void await_closed_sockets(caf::actor_system& sys, size_t baseline) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sockets_in_loop(sys) > baseline
         && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

} // namespace

size_t default_io_thread_count() {
  auto cores = static_cast<size_t>(std::thread::hardware_concurrency());
  return std::clamp<size_t>(cores, 1, 8);
}

io_threads::io_threads(caf::actor_system& home, size_t count)
    : impl_(new impl) {
  impl_->home = &home;
  impl_->count = std::max<size_t>(count, 1);
  if (impl_->count == 1)
    return;
  auto cores = std::max<size_t>(std::thread::hardware_concurrency(), 1);
  auto scheduler_threads = std::max<size_t>(cores / impl_->count, 1);
  for (size_t k = 0; k < impl_->count; ++k) {
    auto cfg = std::make_unique<caf::actor_system_config>();
    configure(*cfg);
    // Each session system's scheduler runs only the workers of its
    // sessions (runs-on pool): a share of the cores, not CAF's
    // max(cores, 4) threads per system.
    cfg->set("scheduler.max-threads", scheduler_threads);
    auto sys = std::make_unique<caf::actor_system>(*cfg);
    impl_->hosts.push_back(sys->middleman().spawn_broker(
        run_session_host, static_cast<int>(k + 1)));
    if (!link_to_home(home, *sys, impl_->hosts.back()))
      log(log_level::warning, "pss",
          "I/O thread " + std::to_string(k + 1)
              + ": no link to the home node: its sessions cannot be "
                "messaged through the control endpoint");
    caf::logger::set_current_actor_system(&home);
    impl_->loop_baselines.push_back(sockets_in_loop(*sys));
    impl_->configs.push_back(std::move(cfg));
    impl_->systems.push_back(std::move(sys));
  }
  // Each spawn above left this thread with its system's logger (CAF sets it
  // per thread at a spawn); a thread holding a system's logger makes that
  // system's end wait forever.
  caf::logger::set_current_actor_system(&home);
}

io_threads::~io_threads() {
  for (size_t k = impl_->systems.size(); k-- > 0;) {
    auto& sys = *impl_->systems[k];
    {
      caf::scoped_actor self{sys};
      self->send_exit(impl_->hosts[k], caf::exit_reason::user_shutdown);
      self->wait_for(impl_->hosts[k]);
    }
    caf::logger::set_current_actor_system(impl_->home);
    await_closed_sockets(sys, impl_->loop_baselines[k]);
    impl_->hosts[k] = nullptr;
    impl_->systems[k].reset();
    impl_->configs[k].reset();
  }
}

size_t io_threads::count() const {
  return impl_->count;
}

const std::vector<caf::actor>& io_threads::session_hosts() const {
  return impl_->hosts;
}

} // namespace pss
