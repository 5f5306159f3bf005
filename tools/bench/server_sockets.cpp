#include "server_sockets.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pss::bench {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

void on_term(int) {
  stop_flag = 1;
}

} // namespace

int listen_loopback(uint16_t port, uint16_t& bound) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (listener < 0) {
    std::perror("baseline: socket");
    return -1;
  }
  int on = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(listener, 4096) != 0) {
    std::perror("baseline: listen");
    ::close(listener);
    return -1;
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  bound = ntohs(addr.sin_port);
  return listener;
}

void announce_listening(uint16_t port) {
  std::printf("listening %u\n", port);
  std::fflush(stdout);
}

int accept_nodelay(int listener) {
  for (;;) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      return -1;
    }
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    return fd;
  }
}

void handle_stop_signals() {
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_term);
  std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() {
  return stop_flag != 0;
}

} // namespace pss::bench
