#include "tls_load.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <string>

#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "load_helpers.hpp"
#include "stats.hpp"

namespace pss::bench {

namespace {

using clock = std::chrono::steady_clock;

// One client connection and how far it got. Requests go one at a time:
// `ready` between them.
struct tls_conn {
  enum class phase { handshake, ready, send, receive };
  int fd = -1;
  SSL* ssl = nullptr;
  phase at = phase::handshake;
  // What epoll watches for it; 0: not in the set.
  uint32_t events = 0;
  const std::string* request = nullptr;
  size_t received = 0;
  clock::time_point sent_at;
};

// What advancing a connection did.
enum class step { waiting, connected, answered, failed };

// The loads' shared part: client connections by index in one epoll set,
// each advanced as far as it goes whenever its socket is ready.
class tls_client {
public:
  explicit tls_client(size_t count) : conns_(count) {
    // OpenSSL's socket BIO writes with write(), not send(MSG_NOSIGNAL): a
    // server that closed first must not kill the bench.
    std::signal(SIGPIPE, SIG_IGN);
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ != nullptr) {
      SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
      // No verification: what it would cost is the client's, and the
      // figures are about the server. No resumption: every handshake is
      // a full one, the expensive kind.
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
      SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
      // One recv per read instead of one for a record's header and one
      // for its body: the client's core bounds some of these loads.
      SSL_CTX_set_read_ahead(ctx_, 1);
    }
    epfd_ = ::epoll_create1(0);
  }
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  ~tls_client() {
    for (size_t i = 0; i < conns_.size(); ++i)
      close(static_cast<uint32_t>(i), false);
    ::close(epfd_);
    SSL_CTX_free(ctx_);
  }

  tls_conn& operator[](uint32_t index) {
    return conns_[index];
  }

  size_t size() const {
    return conns_.size();
  }

  // Starts connection `index` to `port` (its handshake not begun yet).
  // False when that failed at once.
  bool open(uint32_t index, uint16_t port, const std::string& request,
            uint32_t* next_source = nullptr) {
    auto& c = conns_[index];
    c = tls_conn{};
    c.request = &request;
    if (ctx_ == nullptr)
      return false;
    c.fd = connect_nonblocking(port, next_source);
    if (c.fd < 0)
      return false;
    c.ssl = SSL_new(ctx_);
    if (c.ssl == nullptr || SSL_set_fd(c.ssl, c.fd) != 1) {
      close(index, false);
      return false;
    }
    SSL_set_connect_state(c.ssl);
    return true;
  }

  // Ends connection `index`: gracefully (close_notify, then FIN) or with a
  // reset. Closing the descriptor takes it out of the epoll set. A failure
  // may have left reasons in OpenSSL's error queue, which would make the
  // next SSL_get_error of another connection report one: cleared here.
  void close(uint32_t index, bool graceful) {
    auto& c = conns_[index];
    if (graceful && c.ssl != nullptr)
      SSL_shutdown(c.ssl);
    SSL_free(c.ssl);
    c.ssl = nullptr;
    if (c.fd >= 0) {
      if (graceful)
        ::close(c.fd);
      else
        close_abortive(c.fd);
    }
    c.fd = -1;
    c.events = 0;
    ERR_clear_error();
  }

  // Sends connection `index`'s request next (it must be `ready`).
  void start_request(uint32_t index) {
    auto& c = conns_[index];
    c.at = tls_conn::phase::send;
    c.sent_at = clock::now();
  }

  // Advances connection `index` as far as it goes without waiting, and
  // has epoll watch for what it waits for then. After a handshake or an
  // echo the caller decides what comes next (usually a request, which
  // waits for what the last step did): the set is left as it is.
  step advance(uint32_t index) {
    auto& c = conns_[index];
    uint32_t want = 0;
    auto result = advance(c, want);
    if (result == step::waiting)
      watch(index, want);
    return result;
  }

  // Has epoll watch connection `index` for `want` (0: not at all).
  void watch(uint32_t index, uint32_t want) {
    auto& c = conns_[index];
    if (c.events == want)
      return;
    epoll_event ev{want, {}};
    ev.data.u32 = index;
    int op = c.events == 0 ? EPOLL_CTL_ADD
                           : (want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    ::epoll_ctl(epfd_, op, c.fd, &ev);
    c.events = want;
  }

  // Waits up to `timeout_ms` for ready sockets and calls `on_ready` with
  // the index of each.
  template <class F>
  void poll(int timeout_ms, F&& on_ready) {
    int n = ::epoll_wait(epfd_, events_.data(),
                         static_cast<int>(events_.size()), timeout_ms);
    for (int i = 0; i < n; ++i)
      if (conns_[events_[i].data.u32].fd >= 0)
        on_ready(events_[i].data.u32);
  }

private:
  step advance(tls_conn& c, uint32_t& want) {
    int n = 0;
    switch (c.at) {
      case tls_conn::phase::ready:
        return step::waiting;
      case tls_conn::phase::handshake:
        n = SSL_connect(c.ssl);
        if (n == 1) {
          c.at = tls_conn::phase::ready;
          return step::connected;
        }
        break;
      case tls_conn::phase::send:
        // Without partial writes, SSL_write sends everything or nothing.
        n = SSL_write(c.ssl, c.request->data(),
                      static_cast<int>(c.request->size()));
        if (n > 0) {
          // The echo cannot be there yet: wait instead of a read that
          // would find nothing.
          c.at = tls_conn::phase::receive;
          c.received = 0;
          want = EPOLLIN;
          return step::waiting;
        }
        break;
      case tls_conn::phase::receive:
        while ((n = SSL_read(c.ssl, buf_.data(), static_cast<int>(buf_.size())))
               > 0) {
          auto size = static_cast<size_t>(n);
          if (c.received + size > c.request->size()
              || c.request->compare(c.received, size, buf_.data(), size) != 0)
            return step::failed;
          c.received += size;
          if (c.received == c.request->size()) {
            c.at = tls_conn::phase::ready;
            return step::answered;
          }
        }
        break;
    }
    switch (SSL_get_error(c.ssl, n)) {
      case SSL_ERROR_WANT_READ:
        want = EPOLLIN;
        return step::waiting;
      case SSL_ERROR_WANT_WRITE:
        want = EPOLLOUT;
        return step::waiting;
      default:
        return step::failed;
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int epfd_ = -1;
  std::vector<tls_conn> conns_;
  std::vector<char> buf_ = std::vector<char>(64 * 1024);
  std::vector<epoll_event> events_ = std::vector<epoll_event>(1024);
};

// Handshakes every connection of `client` that is open, until each is
// ready or failed or `give_up` passes. The failed ones and those still
// unfinished are closed and counted in `errors`.
void handshake_all(tls_client& client, clock::time_point give_up,
                   uint64_t& errors) {
  size_t pending = 0;
  auto on_ready = [&](uint32_t i) {
    auto got = client.advance(i);
    if (got == step::connected) {
      --pending;
    } else if (got == step::failed) {
      ++errors;
      client.close(i, false);
      --pending;
    }
  };
  for (uint32_t i = 0; i < client.size(); ++i)
    if (client[i].fd >= 0) {
      ++pending;
      on_ready(i);
    }
  while (pending > 0 && clock::now() < give_up)
    client.poll(100, on_ready);
  for (uint32_t i = 0; i < client.size(); ++i)
    if (client[i].fd >= 0 && client[i].at == tls_conn::phase::handshake) {
      ++errors;
      client.close(i, false);
    }
}

} // namespace

load_result run_tls_rr(const load_config& cfg) {
  load_result result;
  tls_client client(static_cast<size_t>(cfg.connections));
  std::vector<std::string> requests;
  for (int i = 0; i < cfg.connections; ++i)
    requests.push_back(make_request(0, cfg.size, i));
  for (uint32_t i = 0; i < client.size(); ++i)
    if (!client.open(i, cfg.port, requests[i]))
      ++result.errors;
  // The handshakes are not part of the figure.
  handshake_all(client, clock::now() + std::chrono::seconds(10), result.errors);
  auto cpu_start = thread_cpu_seconds();
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  auto send_next = [&](uint32_t i) {
    client.start_request(i);
    if (client.advance(i) == step::failed) {
      ++result.errors;
      client.close(i, false);
    }
  };
  auto start = clock::now();
  for (uint32_t i = 0; i < client.size(); ++i)
    if (client[i].fd >= 0)
      send_next(i);
  auto deadline = start + std::chrono::duration<double>(cfg.seconds);
  while (clock::now() < deadline)
    client.poll(100, [&](uint32_t i) {
      auto got = client.advance(i);
      if (got == step::answered) {
        auto now = clock::now();
        latencies.push_back(
            std::chrono::duration<double, std::micro>(now - client[i].sent_at)
                .count());
        ++result.count;
        send_next(i);
      } else if (got == step::failed) {
        ++result.errors;
        client.close(i, false);
      }
    });
  result.elapsed_s = seconds_since(start);
  result.client_cpu_s = thread_cpu_seconds() - cpu_start;
  result.rate = static_cast<double>(result.count) / result.elapsed_s;
  result.p50_us = percentile(latencies, 0.5);
  result.p99_us = percentile(latencies, 0.99);
  return result;
}

load_result run_tls_handshakes(const load_config& cfg) {
  load_result result;
  auto cpu_start = thread_cpu_seconds();
  tls_client client(static_cast<size_t>(cfg.connections));
  auto request = make_request(0, cfg.size, 0);
  uint32_t next_source = 0;
  // Advances slot `i` through its cycle: after an echo, the next cycle
  // starts at once (its connect is usually done on loopback by the time
  // connect returns); after a failure, it starts when epoll says so, so
  // that a server that refuses does not make this spin.
  auto cycle = [&](uint32_t i) {
    for (;;) {
      auto got = client.advance(i);
      if (got == step::waiting)
        return;
      if (got == step::connected) {
        client.start_request(i);
        continue;
      }
      bool ok = got == step::answered;
      client.close(i, ok);
      ++(ok ? result.count : result.errors);
      if (!client.open(i, cfg.port, request, &next_source)) {
        ++result.errors;
        return;
      }
      if (!ok) {
        client.watch(i, EPOLLOUT);
        return;
      }
    }
  };
  auto start = clock::now();
  for (uint32_t i = 0; i < client.size(); ++i) {
    if (client.open(i, cfg.port, request, &next_source))
      cycle(i);
    else
      ++result.errors;
  }
  auto deadline = start + std::chrono::duration<double>(cfg.seconds);
  while (clock::now() < deadline)
    client.poll(100, cycle);
  result.elapsed_s = seconds_since(start);
  result.client_cpu_s = thread_cpu_seconds() - cpu_start;
  result.rate = static_cast<double>(result.count) / result.elapsed_s;
  return result;
}

tls_idle_set open_tls_idle(uint16_t port, int count) {
  tls_idle_set set;
  // In small batches. Each handshake holds about 34 KB of record buffers
  // on the server until it ends; with hundreds at once the server's heap
  // grows by that much and keeps most of it (measured: about 7 KB more per
  // session with 500 at once than with 32 or 1), which would then count as
  // memory per idle session.
  constexpr int batch = 32;
  for (int first = 0; first < count; first += batch) {
    int last = std::min(count, first + batch);
    tls_client client(static_cast<size_t>(last - first));
    std::vector<std::string> requests;
    for (int i = first; i < last; ++i)
      requests.push_back(make_request(0, 16, i));
    // The client's side of thousands of idle sessions need not hold
    // record buffers either.
    for (uint32_t i = 0; i < client.size(); ++i)
      if (client.open(i, port, requests[i]))
        SSL_set_mode(client[i].ssl, SSL_MODE_RELEASE_BUFFERS);
      else
        ++set.errors;
    auto give_up = clock::now() + std::chrono::seconds(30);
    handshake_all(client, give_up, set.errors);
    size_t pending = 0;
    auto on_ready = [&](uint32_t i) {
      auto got = client.advance(i);
      if (got == step::answered) {
        client.watch(i, 0);
        --pending;
      } else if (got == step::failed) {
        ++set.errors;
        client.close(i, false);
        --pending;
      }
    };
    for (uint32_t i = 0; i < client.size(); ++i)
      if (client[i].fd >= 0) {
        ++pending;
        client.start_request(i);
        on_ready(i);
      }
    while (pending > 0 && clock::now() < give_up)
      client.poll(100, on_ready);
    set.errors += pending;
    // The served ones are kept: the client (and its context) goes, the
    // connections stay.
    for (uint32_t i = 0; i < client.size(); ++i) {
      auto& c = client[i];
      if (c.fd < 0 || c.at != tls_conn::phase::ready)
        continue;
      set.conns.push_back({c.fd, c.ssl});
      c.fd = -1;
      c.ssl = nullptr;
    }
  }
  return set;
}

void close_tls_idle(tls_idle_set& set) {
  for (auto& c : set.conns) {
    SSL_free(c.ssl);
    close_abortive(c.fd);
  }
  set.conns.clear();
}

} // namespace pss::bench
