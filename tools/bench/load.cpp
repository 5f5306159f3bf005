#include "load.hpp"

#include <cerrno>
#include <chrono>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stats.hpp"

namespace pss::bench {

namespace {

using clock = std::chrono::steady_clock;

// A request: the length header (if any) and a payload whose bytes depend on
// the connection, so that an echo sent to the wrong peer is caught.
std::string make_request(size_t header, size_t size, int conn) {
  std::string msg;
  for (size_t i = header; i > 0; --i)
    msg += static_cast<char>((size >> (8 * (i - 1))) & 0xFF);
  for (size_t i = 0; i < size; ++i)
    msg += static_cast<char>((i * 31 + static_cast<size_t>(conn) * 7) & 0xFF);
  return msg;
}

int connect_nonblocking(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -1;
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Closes with a reset: the client side then leaves no TIME_WAIT behind,
// which would exhaust local ports at thousands of connections a second.
void close_abortive(int fd) {
  linger lin{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
  ::close(fd);
}

// Sends all of `msg` on a non-blocking socket; small messages go at once,
// larger ones spin on EAGAIN (the echo drains them).
bool send_all(int fd, const std::string& msg) {
  size_t done = 0;
  while (done < msg.size()) {
    auto n = ::send(fd, msg.data() + done, msg.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads what `fd` has into `buf`. Returns the byte count, 0 when nothing
// is there yet, or -1 after dropping a connection that closed or failed
// (counted in `errors`, removed from `epfd`, closed, `fd` set to -1).
ssize_t read_or_drop(int epfd, int& fd, std::vector<char>& buf,
                     uint64_t& errors) {
  auto got = ::recv(fd, buf.data(), buf.size(), 0);
  if (got > 0)
    return got;
  if (got < 0 && (errno == EAGAIN || errno == EINTR))
    return 0;
  ++errors;
  ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  fd = -1;
  return -1;
}

double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

struct rr_conn {
  int fd = -1;
  std::string request;
  size_t received = 0;
  clock::time_point sent_at;
};

} // namespace

load_result run_rr(const load_config& cfg) {
  load_result result;
  int epfd = ::epoll_create1(0);
  std::vector<rr_conn> conns(static_cast<size_t>(cfg.connections));
  for (int i = 0; i < cfg.connections; ++i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.fd = connect_nonblocking(cfg.port);
    c.request = make_request(cfg.header, cfg.size, i);
    if (c.fd < 0) {
      ++result.errors;
      continue;
    }
    epoll_event ev{EPOLLIN, {}};
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev);
  }
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  auto start = clock::now();
  for (auto& c : conns) {
    if (c.fd < 0)
      continue;
    c.sent_at = clock::now();
    if (!send_all(c.fd, c.request))
      ++result.errors;
  }
  std::vector<epoll_event> events(1024);
  std::vector<char> buf(64 * 1024);
  auto deadline = start + std::chrono::duration<double>(cfg.seconds);
  while (clock::now() < deadline) {
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                         100);
    for (int i = 0; i < n; ++i) {
      auto& c = conns[events[i].data.u32];
      auto got = read_or_drop(epfd, c.fd, buf, result.errors);
      if (got <= 0)
        continue;
      auto size = static_cast<size_t>(got);
      if (c.received + size > c.request.size()
          || c.request.compare(c.received, size, buf.data(), size) != 0) {
        ++result.errors;
        c.received = 0;
        continue;
      }
      c.received += size;
      if (c.received == c.request.size()) {
        auto now = clock::now();
        latencies.push_back(
            std::chrono::duration<double, std::micro>(now - c.sent_at).count());
        ++result.count;
        c.received = 0;
        c.sent_at = now;
        if (!send_all(c.fd, c.request))
          ++result.errors;
      }
    }
  }
  auto elapsed = seconds_since(start);
  for (auto& c : conns)
    if (c.fd >= 0)
      ::close(c.fd);
  ::close(epfd);
  result.rate = static_cast<double>(result.count) / elapsed;
  result.p50_us = percentile(latencies, 0.5);
  result.p99_us = percentile(latencies, 0.99);
  return result;
}

load_result run_crr(const load_config& cfg) {
  load_result result;
  int epfd = ::epoll_create1(0);
  struct slot {
    int fd = -1;
    bool connected = false;
    size_t received = 0;
  };
  std::vector<slot> slots(static_cast<size_t>(cfg.connections));
  auto request = make_request(cfg.header, cfg.size, 0);
  auto open_slot = [&](uint32_t index) {
    auto& s = slots[index];
    s = slot{};
    s.fd = connect_nonblocking(cfg.port);
    if (s.fd < 0) {
      ++result.errors;
      return;
    }
    epoll_event ev{EPOLLOUT, {}};
    ev.data.u32 = index;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, s.fd, &ev);
  };
  auto finish_slot = [&](uint32_t index, bool ok) {
    auto& s = slots[index];
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, s.fd, nullptr);
    close_abortive(s.fd);
    s.fd = -1;
    if (ok)
      ++result.count;
    else
      ++result.errors;
  };
  auto start = clock::now();
  auto deadline = start + std::chrono::duration<double>(cfg.seconds);
  for (uint32_t i = 0; i < slots.size(); ++i)
    open_slot(i);
  std::vector<epoll_event> events(1024);
  std::vector<char> buf(64 * 1024);
  while (clock::now() < deadline) {
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                         100);
    for (int i = 0; i < n; ++i) {
      auto index = events[i].data.u32;
      auto& s = slots[index];
      if (s.fd < 0)
        continue;
      if (!s.connected) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || !send_all(s.fd, request)) {
          finish_slot(index, false);
          open_slot(index);
          continue;
        }
        s.connected = true;
        epoll_event ev{EPOLLIN, {}};
        ev.data.u32 = index;
        ::epoll_ctl(epfd, EPOLL_CTL_MOD, s.fd, &ev);
        continue;
      }
      auto got = ::recv(s.fd, buf.data(), buf.size(), 0);
      if (got < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      auto size = got > 0 ? static_cast<size_t>(got) : 0;
      bool ok = got > 0 && s.received + size <= request.size()
                && request.compare(s.received, size, buf.data(), size) == 0;
      if (!ok) {
        finish_slot(index, false);
        open_slot(index);
        continue;
      }
      s.received += size;
      if (s.received == request.size()) {
        finish_slot(index, true);
        open_slot(index);
      }
    }
  }
  auto elapsed = seconds_since(start);
  for (auto& s : slots)
    if (s.fd >= 0)
      close_abortive(s.fd);
  ::close(epfd);
  result.rate = static_cast<double>(result.count) / elapsed;
  return result;
}

load_result run_stream(const load_config& cfg) {
  load_result result;
  constexpr size_t window = 256 * 1024;
  int epfd = ::epoll_create1(0);
  struct stream_conn {
    int fd = -1;
    uint64_t sent = 0;
    uint64_t received = 0;
  };
  std::vector<stream_conn> conns(static_cast<size_t>(cfg.connections));
  // Every message is the same, so the expected byte at any offset of the
  // echoed stream is known without keeping what was sent.
  auto message = make_request(cfg.header, cfg.size, 1);
  std::string chunk;
  while (chunk.size() < 64 * 1024)
    chunk += message;
  for (uint32_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_nonblocking(cfg.port);
    if (conns[i].fd < 0) {
      ++result.errors;
      continue;
    }
    epoll_event ev{EPOLLIN | EPOLLOUT, {}};
    ev.data.u32 = i;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  std::vector<epoll_event> events(1024);
  std::vector<char> buf(64 * 1024);
  auto start = clock::now();
  auto deadline = start + std::chrono::duration<double>(cfg.seconds);
  while (clock::now() < deadline) {
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                         100);
    for (int i = 0; i < n; ++i) {
      auto& c = conns[events[i].data.u32];
      if (c.fd < 0)
        continue;
      if (events[i].events & EPOLLOUT) {
        auto in_flight = c.sent - c.received;
        if (in_flight < window) {
          auto offset = c.sent % message.size();
          auto room
              = std::min<uint64_t>(window - in_flight, chunk.size() - offset);
          auto sent = ::send(c.fd, chunk.data() + offset, room, MSG_NOSIGNAL);
          if (sent > 0)
            c.sent += static_cast<uint64_t>(sent);
        }
      }
      if (events[i].events & EPOLLIN) {
        auto got = read_or_drop(epfd, c.fd, buf, result.errors);
        if (got <= 0)
          continue;
        for (ssize_t k = 0; k < got; ++k)
          if (buf[static_cast<size_t>(k)]
              != message[(c.received + static_cast<uint64_t>(k))
                         % message.size()]) {
            ++result.errors;
            break;
          }
        c.received += static_cast<uint64_t>(got);
        result.count += static_cast<uint64_t>(got);
      }
    }
  }
  auto elapsed = seconds_since(start);
  for (auto& c : conns)
    if (c.fd >= 0)
      ::close(c.fd);
  ::close(epfd);
  result.rate = static_cast<double>(result.count) / elapsed;
  return result;
}

idle_set open_idle(uint16_t port, int count, size_t header) {
  idle_set set;
  int epfd = ::epoll_create1(0);
  // Connect in batches so that the listen backlog never overflows.
  constexpr int batch = 500;
  std::vector<char> buf(4096);
  std::vector<epoll_event> events(batch);
  for (int first = 0; first < count; first += batch) {
    int last = std::min(count, first + batch);
    std::vector<std::string> requests;
    std::vector<size_t> received;
    std::vector<int> fds;
    for (int i = first; i < last; ++i) {
      int fd = connect_nonblocking(port);
      if (fd < 0) {
        ++set.errors;
        continue;
      }
      fds.push_back(fd);
      requests.push_back(make_request(header, 16, i));
      received.push_back(0);
      epoll_event ev{EPOLLOUT, {}};
      ev.data.u32 = static_cast<uint32_t>(fds.size() - 1);
      ::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    }
    size_t pending = fds.size();
    auto give_up = clock::now() + std::chrono::seconds(20);
    while (pending > 0 && clock::now() < give_up) {
      int n = ::epoll_wait(epfd, events.data(), batch, 100);
      for (int k = 0; k < n; ++k) {
        auto index = events[k].data.u32;
        int fd = fds[index];
        if (events[k].events & EPOLLOUT) {
          if (!send_all(fd, requests[index]))
            ++set.errors;
          epoll_event ev{EPOLLIN, {}};
          ev.data.u32 = index;
          ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
          continue;
        }
        auto got = ::recv(fd, buf.data(), buf.size(), 0);
        if (got < 0 && (errno == EAGAIN || errno == EINTR))
          continue;
        if (got <= 0
            || requests[index].compare(received[index],
                                       static_cast<size_t>(got), buf.data(),
                                       static_cast<size_t>(got))
                   != 0) {
          ++set.errors;
          ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
          --pending;
          continue;
        }
        received[index] += static_cast<size_t>(got);
        if (received[index] == requests[index].size()) {
          ::epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
          --pending;
        }
      }
    }
    set.errors += pending;
    set.fds.insert(set.fds.end(), fds.begin(), fds.end());
  }
  ::close(epfd);
  return set;
}

void close_all(idle_set& set) {
  for (int fd : set.fds)
    close_abortive(fd);
  set.fds.clear();
}

} // namespace pss::bench
