#include "echo_baseline.hpp"

#include <algorithm>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_sockets.hpp"

namespace pss::bench {

namespace {

// The whole server: one epoll set, one read buffer, and per descriptor only
// the output the socket did not take yet (empty, so no heap, almost always:
// an echo reply fits the socket buffer). Indexed by descriptor, so no
// lookup or allocation per connection.
struct server {
  int epfd = -1;
  int listener = -1;
  std::vector<std::string> pending;
  std::vector<char> buf = std::vector<char>(16 * 1024);

  // Closing the descriptor removes it from the epoll set (it has no
  // duplicates), so no EPOLL_CTL_DEL.
  void close_connection(int fd) {
    ::close(fd);
    auto& out = pending[static_cast<size_t>(fd)];
    if (!out.empty())
      std::string{}.swap(out);
  }

  void accept_all() {
    // Level-triggered listener: drain the backlog until EAGAIN, so that a
    // burst of connections costs one wake-up.
    int fd;
    while ((fd = accept_nodelay(listener)) >= 0) {
      if (static_cast<size_t>(fd) >= pending.size())
        pending.resize(static_cast<size_t>(fd) * 2 + 64);
      epoll_event ev{EPOLLIN, {}};
      ev.data.fd = fd;
      if (::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        ::close(fd);
    }
  }

  // Sends `data` after whatever is pending; what the socket does not take
  // waits for EPOLLOUT (and reading stops meanwhile: an echo peer that does
  // not read cannot make the server buffer without bound).
  bool send_or_queue(int fd, const char* data, size_t size) {
    auto& out = pending[static_cast<size_t>(fd)];
    if (out.empty()) {
      for (;;) {
        auto n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(size))
          return true;
        if (n >= 0) {
          data += n;
          size -= static_cast<size_t>(n);
          continue;
        }
        if (errno == EINTR)
          continue;
        if (errno != EAGAIN)
          return false;
        break;
      }
      epoll_event ev{EPOLLOUT, {}};
      ev.data.fd = fd;
      ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    out.append(data, size);
    return true;
  }

  bool flush(int fd) {
    auto& out = pending[static_cast<size_t>(fd)];
    size_t done = 0;
    while (done < out.size()) {
      auto n = ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN)
          break;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    out.erase(0, done);
    if (out.empty()) {
      std::string{}.swap(out);
      epoll_event ev{EPOLLIN, {}};
      ev.data.fd = fd;
      ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    return true;
  }

  void on_event(int fd, uint32_t events) {
    // A reset (EPOLLERR) or both directions shut (EPOLLHUP): nothing can
    // reach the peer any more, so close without reading what is left.
    if (events & (EPOLLERR | EPOLLHUP)) {
      close_connection(fd);
      return;
    }
    if (events & EPOLLOUT) {
      if (!flush(fd))
        close_connection(fd);
      return;
    }
    auto got = ::recv(fd, buf.data(), buf.size(), 0);
    if (got > 0) {
      if (!send_or_queue(fd, buf.data(), static_cast<size_t>(got)))
        close_connection(fd);
      return;
    }
    // 0: the peer's FIN (close at once: an echo has nothing more to say);
    // < 0: a reset or other error, unless it was a spurious wake-up.
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    close_connection(fd);
  }
};

} // namespace

namespace {

// One serving thread: its own epoll set with the shared listener in it.
void serve(server& srv) {
  serve_until_stopped(srv);
}

} // namespace

int run_echo_baseline(uint16_t port, int threads) {
  handle_stop_signals();
  uint16_t bound = 0;
  int listener = listen_loopback(port, bound);
  if (listener < 0)
    return 2;
  // Several threads share the one listener (one accept queue, as pss's
  // one acceptor per server); EPOLLEXCLUSIVE wakes one of them per
  // connection instead of all.
  std::vector<server> servers(static_cast<size_t>(std::max(threads, 1)));
  for (auto& srv : servers) {
    srv.listener = listener;
    srv.epfd = ::epoll_create1(0);
    srv.pending.resize(1024);
    epoll_event ev{EPOLLIN | (servers.size() > 1 ? EPOLLEXCLUSIVE : 0u), {}};
    ev.data.fd = listener;
    ::epoll_ctl(srv.epfd, EPOLL_CTL_ADD, listener, &ev);
  }
  announce_listening(bound);
  std::vector<std::thread> others;
  for (size_t k = 1; k < servers.size(); ++k)
    others.emplace_back([&srv = servers[k]] { serve(srv); });
  serve(servers[0]);
  for (auto& t : others)
    t.join();
  return 0;
}

} // namespace pss::bench
