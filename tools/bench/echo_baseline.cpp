#include "echo_baseline.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pss::bench {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

void on_term(int) {
  stop_requested = 1;
}

// Output that did not fit the socket yet; rare for echo, but never dropped.
std::unordered_map<int, std::vector<char>> pending;

void close_connection(int epfd, int fd) {
  ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  pending.erase(fd);
}

bool write_all(int epfd, int fd, const char* data, size_t size) {
  auto& queue = pending[fd];
  if (!queue.empty()) {
    queue.insert(queue.end(), data, data + size);
    return true;
  }
  while (size > 0) {
    auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN) {
        queue.assign(data, data + size);
        epoll_event ev{EPOLLIN | EPOLLOUT, {}};
        ev.data.fd = fd;
        ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
        return true;
      }
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool flush_pending(int epfd, int fd) {
  auto& queue = pending[fd];
  size_t done = 0;
  while (done < queue.size()) {
    auto n = ::send(fd, queue.data() + done, queue.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        break;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  queue.erase(queue.begin(), queue.begin() + static_cast<long>(done));
  if (queue.empty()) {
    epoll_event ev{EPOLLIN, {}};
    ev.data.fd = fd;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
  }
  return true;
}

} // namespace

int run_echo_baseline(uint16_t port) {
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_term);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int on = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(listener, 4096) != 0) {
    std::perror("echo baseline");
    return 2;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening %u\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  int epfd = ::epoll_create1(0);
  epoll_event ev{EPOLLIN, {}};
  ev.data.fd = listener;
  ::epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
  std::vector<epoll_event> events(256);
  std::vector<char> buf(16 * 1024);
  while (stop_requested == 0) {
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                         200);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        for (;;) {
          int conn = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (conn < 0)
            break;
          ::setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
          epoll_event cev{EPOLLIN, {}};
          cev.data.fd = conn;
          ::epoll_ctl(epfd, EPOLL_CTL_ADD, conn, &cev);
        }
        continue;
      }
      if ((events[i].events & EPOLLOUT) && !flush_pending(epfd, fd)) {
        close_connection(epfd, fd);
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        auto got = ::recv(fd, buf.data(), buf.size(), 0);
        if (got <= 0) {
          if (got < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
          close_connection(epfd, fd);
          continue;
        }
        if (!write_all(epfd, fd, buf.data(), static_cast<size_t>(got)))
          close_connection(epfd, fd);
      }
    }
  }
  return 0;
}

} // namespace pss::bench
