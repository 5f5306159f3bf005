#pragma once

#include <cstdint>
#include <vector>

#include <sys/epoll.h>

namespace pss::bench {

/// What the plain and the TLS epoll baselines share: their listener, their
/// accepts and their way to stop.

/// A non-blocking listener on 127.0.0.1:`port` (0: any), backlog 4096;
/// `bound` is set to its port. -1 (after perror) when it failed.
int listen_loopback(uint16_t port, uint16_t& bound);

/// Prints `listening PORT` on stdout, the line server_process reads.
void announce_listening(uint16_t port);

/// One accepted connection of a non-blocking `listener`, non-blocking and
/// TCP_NODELAY; -1 when none is waiting (or out of descriptors: the next
/// event retries).
int accept_nodelay(int listener);

/// SIGTERM and SIGINT set the flag `stop_requested` reads; SIGPIPE is
/// ignored (OpenSSL's socket BIO writes without MSG_NOSIGNAL).
void handle_stop_signals();
bool stop_requested();

/// Serves `srv` until `stop_requested`: its listener's events go to
/// `srv.accept_all()`, every other descriptor's to `srv.on_event(fd,
/// events)` (`srv.epfd` holds them all).
template <class Server>
void serve_until_stopped(Server& srv) {
  std::vector<epoll_event> events(512);
  while (!stop_requested()) {
    int n = ::epoll_wait(srv.epfd, events.data(),
                         static_cast<int>(events.size()), 200);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == srv.listener)
        srv.accept_all();
      else
        srv.on_event(fd, events[i].events);
    }
  }
}

} // namespace pss::bench
