#include "load.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load_helpers.hpp"
#include "stats.hpp"

namespace pss::bench {

namespace {

using clock = std::chrono::steady_clock;

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

struct rr_conn {
  int fd = -1;
  std::string request;
  size_t received = 0;
  clock::time_point sent_at;
};

} // namespace

load_result run_rr(const load_config& cfg) {
  load_result result;
  auto cpu_start = thread_cpu_seconds();
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
  result.elapsed_s = elapsed;
  result.client_cpu_s = thread_cpu_seconds() - cpu_start;
  result.rate = static_cast<double>(result.count) / elapsed;
  result.p50_us = percentile(latencies, 0.5);
  result.p99_us = percentile(latencies, 0.99);
  return result;
}

namespace {

// One client thread of a crr load: `count` connection slots, each cycling
// connect, request, echo, close until the deadline.
struct crr_worker {
  const load_config& cfg;
  const std::string& request;
  clock::time_point deadline;
  int count = 0;
  // Source addresses of a FIN-closing load rotate from this one on, so that
  // every thread starts elsewhere.
  uint32_t next_source = 0;
  load_result result;

  struct slot {
    int fd = -1;
    bool sent = false;
    size_t received = 0;
  };
  std::vector<slot> slots;
  int epfd = -1;

  // Connects and, when the handshake is already done (on loopback it
  // usually is by the time connect returns), sends the request at once;
  // otherwise waits for the socket to become writable.
  void open_slot(uint32_t index) {
    auto& s = slots[index];
    s = slot{};
    s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s.fd < 0) {
      ++result.errors;
      return;
    }
    if (cfg.close == load_config::close_mode::fin)
      bind_rotating_source(s.fd, next_source);
    if (!start_connect(s.fd, cfg.port)) {
      ::close(s.fd);
      s.fd = -1;
      ++result.errors;
      return;
    }
    auto n = ::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL);
    s.sent = n == static_cast<ssize_t>(request.size());
    if (!s.sent && !(n < 0 && errno == EAGAIN)) {
      finish_slot(index, false);
      return;
    }
    epoll_event ev{s.sent ? uint32_t{EPOLLIN} : uint32_t{EPOLLOUT}, {}};
    ev.data.u32 = index;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, s.fd, &ev);
  }

  // Closing removes the descriptor from the epoll set: no EPOLL_CTL_DEL.
  void finish_slot(uint32_t index, bool ok) {
    auto& s = slots[index];
    if (cfg.close == load_config::close_mode::reset || !ok)
      close_abortive(s.fd);
    else
      ::close(s.fd);
    s.fd = -1;
    if (ok)
      ++result.count;
    else
      ++result.errors;
  }

  void on_event(uint32_t index, uint32_t events, std::vector<char>& buf) {
    auto& s = slots[index];
    if (s.fd < 0)
      return;
    if (!s.sent) {
      if ((events & EPOLLERR) || !send_all(s.fd, request)) {
        finish_slot(index, false);
        open_slot(index);
        return;
      }
      s.sent = true;
      epoll_event ev{EPOLLIN, {}};
      ev.data.u32 = index;
      ::epoll_ctl(epfd, EPOLL_CTL_MOD, s.fd, &ev);
      return;
    }
    auto got = ::recv(s.fd, buf.data(), buf.size(), 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    auto size = got > 0 ? static_cast<size_t>(got) : 0;
    bool ok = got > 0 && s.received + size <= request.size()
              && request.compare(s.received, size, buf.data(), size) == 0;
    if (!ok) {
      finish_slot(index, false);
      open_slot(index);
      return;
    }
    s.received += size;
    if (s.received == request.size()) {
      finish_slot(index, true);
      open_slot(index);
    }
  }

  void run() {
    auto cpu_start = thread_cpu_seconds();
    epfd = ::epoll_create1(0);
    slots.resize(static_cast<size_t>(count));
    for (uint32_t i = 0; i < slots.size(); ++i)
      open_slot(i);
    std::vector<epoll_event> events(1024);
    std::vector<char> buf(64 * 1024);
    while (clock::now() < deadline) {
      int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                           100);
      for (int i = 0; i < n; ++i)
        on_event(events[i].data.u32, events[i].events, buf);
    }
    for (auto& s : slots)
      if (s.fd >= 0)
        close_abortive(s.fd);
    ::close(epfd);
    result.client_cpu_s = thread_cpu_seconds() - cpu_start;
  }
};

} // namespace

load_result run_crr(const load_config& cfg) {
  auto request = make_request(cfg.header, cfg.size, 0);
  auto start = clock::now();
  auto deadline = start
                  + std::chrono::duration_cast<clock::duration>(
                      std::chrono::duration<double>(cfg.seconds));
  int threads = std::max(1, std::min(cfg.threads, cfg.connections));
  std::vector<std::unique_ptr<crr_worker>> workers;
  for (int t = 0; t < threads; ++t) {
    auto w = std::unique_ptr<crr_worker>(
        new crr_worker{cfg, request, deadline, 0, 0, {}, {}, -1});
    w->count = cfg.connections / threads + (t < cfg.connections % threads);
    w->next_source = static_cast<uint32_t>(t * 253 / threads);
    workers.push_back(std::move(w));
  }
  std::vector<std::thread> running;
  for (size_t t = 1; t < workers.size(); ++t)
    running.emplace_back([w = workers[t].get()] { w->run(); });
  workers[0]->run();
  for (auto& t : running)
    t.join();
  load_result result;
  for (auto& w : workers) {
    result.count += w->result.count;
    result.errors += w->result.errors;
    result.client_cpu_s += w->result.client_cpu_s;
  }
  result.elapsed_s = seconds_since(start);
  result.rate = static_cast<double>(result.count) / result.elapsed_s;
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

stall_result run_stall(const stall_config& cfg) {
  stall_result result;
  struct line_conn {
    int fd = -1;
    bool slow = false;
    std::string expect; // the answer awaited, "" when none is
    std::string in;     // bytes of an answer not complete yet
    clock::time_point sent_at;
  };
  int count = cfg.slow_connections + 1;
  std::vector<line_conn> conns(static_cast<size_t>(count));
  std::vector<double> latencies;
  latencies.reserve(1 << 18);
  int epfd = ::epoll_create1(0);
  const std::string slow_request = "SLOW " + std::to_string(cfg.slow_ms) + "\n";
  auto ask = [&](line_conn& c, const std::string& request,
                 const std::string& answer) {
    c.expect = answer;
    c.sent_at = clock::now();
    if (!send_all(c.fd, request))
      ++result.errors;
  };
  // Blocking connects would be fine here too, but the socket must be
  // non-blocking for the loop: wait for each to become writable.
  for (int i = 0; i < count; ++i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.slow = i < cfg.slow_connections;
    c.fd = connect_nonblocking(cfg.port);
    if (c.fd < 0) {
      ++result.errors;
      continue;
    }
    pollfd pfd{c.fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    if (::poll(&pfd, 1, 5000) != 1
        || ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0
        || err != 0) {
      ++result.errors;
      ::close(c.fd);
      c.fd = -1;
      continue;
    }
    epoll_event ev{EPOLLIN, {}};
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev);
  }
  auto& fast = conns.back();
  if (fast.fd < 0) {
    for (auto& c : conns)
      if (c.fd >= 0)
        close_abortive(c.fd);
    ::close(epfd);
    return result;
  }
  // The heavy requests go first, then the cheap connection's first SET
  // (not timed: its answer says the server's store works).
  for (auto& c : conns)
    if (c.slow && c.fd >= 0)
      ask(c, slow_request, "SLOW");
  bool fast_started = false;
  ask(fast, "SET pss-bench-key 42\n", "OK");
  auto start = clock::now();
  auto deadline = start
                  + std::chrono::duration_cast<clock::duration>(
                      std::chrono::duration<double>(cfg.seconds));
  auto give_up = deadline
                 + std::chrono::duration_cast<clock::duration>(
                     std::chrono::duration<double>(cfg.grace_seconds));
  std::vector<epoll_event> events(64);
  std::vector<char> buf(4096);
  for (;;) {
    auto now = clock::now();
    // After the deadline only the cheap request still out is waited for.
    if (now >= give_up || (now >= deadline && fast.expect.empty())
        || fast.fd < 0)
      break;
    int n = ::epoll_wait(epfd, events.data(), static_cast<int>(events.size()),
                         50);
    for (int i = 0; i < n; ++i) {
      auto& c = conns[events[i].data.u32];
      if (c.fd < 0)
        continue;
      auto got = read_or_drop(epfd, c.fd, buf, result.errors);
      if (got <= 0)
        continue;
      c.in.append(buf.data(), static_cast<size_t>(got));
      size_t newline;
      while ((newline = c.in.find('\n')) != std::string::npos) {
        auto line = c.in.substr(0, newline);
        c.in.erase(0, newline + 1);
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        if (c.expect.empty() || line != c.expect) {
          ++result.errors;
          c.expect.clear();
          continue;
        }
        auto answered = clock::now();
        c.expect.clear();
        if (c.slow) {
          ++result.slow_done;
          if (answered < deadline)
            ask(c, slow_request, "SLOW");
          continue;
        }
        if (fast_started) {
          latencies.push_back(
              std::chrono::duration<double, std::micro>(answered - c.sent_at)
                  .count());
          ++result.requests;
        }
        fast_started = true;
        if (answered < deadline)
          ask(c, "GET pss-bench-key\n", "VALUE 42");
      }
    }
  }
  // A cheap request left unanswered counts, with the time it waited.
  if (fast.fd >= 0 && !fast.expect.empty()) {
    ++result.errors;
    latencies.push_back(
        std::chrono::duration<double, std::micro>(clock::now() - fast.sent_at)
            .count());
  }
  for (auto& c : conns)
    if (c.fd >= 0)
      close_abortive(c.fd);
  ::close(epfd);
  result.p50_us = percentile(latencies, 0.5);
  result.p99_us = percentile(latencies, 0.99);
  result.max_us = percentile(latencies, 1.0);
  return result;
}

} // namespace pss::bench
