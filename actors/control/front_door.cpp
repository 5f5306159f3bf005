#include "control/front_door.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <deque>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/challenge.hpp"
#include "pss/log.hpp"
#include "server/listen_socket.hpp"

namespace pss {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* log_source = "control";

/// First and longest pause of accepting when the process is out of
/// descriptors: a retry costs one failed accept(2), so at most ten a second.
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto longest_backoff = std::chrono::milliseconds(1000);

/// Most connections taken from the listen queue per wake-up, so that the
/// handshakes in progress are served between bursts.
constexpr int accepts_per_wake = 16;

// A connection in its handshake.
struct pending {
  int fd = -1;
  std::string peer;
  clock_type::time_point deadline;
  auth::hello hello;
  std::array<unsigned char, auth::response_size> buf{};
  size_t got = 0;
};

bool out_of_descriptors(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

bool send_all_now(int fd, const void* data, size_t size) {
  // A fresh connection's send buffer takes a few dozen bytes at once; one
  // that does not is not worth waiting for.
  auto sent = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  return sent == static_cast<ssize_t>(size);
}

} // namespace

struct front_door::loop {
  int listen_fd;
  int wake_fd;
  std::string secret;
  control_options options;
  admit_fn admit;
  std::deque<pending> handshakes;
  clock_type::time_point accept_again;
  std::chrono::milliseconds backoff = first_backoff;
  bool short_of_descriptors = false;

  loop(int listen, std::string key, control_options opts, admit_fn fn)
      : listen_fd(listen), wake_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        secret(std::move(key)), options(opts), admit(std::move(fn)) {
    // nop
  }

  ~loop() {
    for (auto& x : handshakes)
      ::close(x.fd);
    ::close(listen_fd);
    if (wake_fd >= 0)
      ::close(wake_fd);
  }

  void stop() {
    uint64_t one = 1;
    // Without an eventfd (out of descriptors at start) the loop polls with
    // a short timeout and sees `stopping`.
    stopping = true;
    if (wake_fd >= 0) [[maybe_unused]]
      auto rc = ::write(wake_fd, &one, sizeof(one));
  }

  std::atomic<bool> stopping{false};

  void run() {
    std::vector<pollfd> fds;
    while (!stopping) {
      auto now = clock_type::now();
      expire(now);
      bool accepting = now >= accept_again;
      fds.clear();
      fds.push_back({wake_fd, POLLIN, 0});
      fds.push_back({accepting ? listen_fd : -1, POLLIN, 0});
      for (auto& x : handshakes)
        fds.push_back({x.fd, POLLIN, 0});
      auto rc = ::poll(fds.data(), fds.size(), poll_timeout(now, accepting));
      if (rc < 0 && errno != EINTR)
        break;
      if (stopping)
        break;
      // Connections first (an accept may evict one), newest index last.
      size_t index = 2;
      for (auto i = handshakes.begin(); i != handshakes.end(); ++index) {
        if ((fds[index].revents & (POLLIN | POLLERR | POLLHUP)) != 0
            && !read_response(*i))
          i = handshakes.erase(i);
        else
          ++i;
      }
      if ((fds[1].revents & POLLIN) != 0)
        accept_some();
    }
  }

  int poll_timeout(clock_type::time_point now, bool accepting) const {
    auto next = now + std::chrono::seconds(1);
    if (!handshakes.empty())
      next = std::min(next, handshakes.front().deadline);
    if (!accepting)
      next = std::min(next, accept_again);
    if (wake_fd < 0)
      next = std::min(next, now + std::chrono::milliseconds(100));
    auto left
        = std::chrono::duration_cast<std::chrono::milliseconds>(next - now);
    return static_cast<int>(std::max<int64_t>(left.count(), 0) + 1);
  }

  // Deadlines grow with the order of arrival: the expired ones are in front.
  void expire(clock_type::time_point now) {
    while (!handshakes.empty() && handshakes.front().deadline <= now) {
      auto& x = handshakes.front();
      log(log_level::warning, log_source,
          "closed control connection from " + x.peer + ": no handshake within "
              + std::to_string(options.handshake_timeout.count()) + " ms");
      ::close(x.fd);
      handshakes.pop_front();
    }
  }

  void accept_some() {
    for (int n = 0; n < accepts_per_wake; ++n) {
      int fd = ::accept4(listen_fd, nullptr, nullptr,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        auto err = errno;
        if (out_of_descriptors(err))
          pause_accepting();
        return;
      }
      if (short_of_descriptors) {
        short_of_descriptors = false;
        log(log_level::info, log_source, log_kind{"descriptors"},
            "descriptors available again: accepting control connections");
      }
      backoff = first_backoff;
      welcome(fd);
    }
  }

  void pause_accepting() {
    if (!short_of_descriptors)
      log(log_level::warning, log_source, log_kind{"descriptors"},
          "out of file descriptors: control connections wait in the listen "
          "queue (retrying every "
              + std::to_string(backoff.count()) + " ms and up to "
              + std::to_string(longest_backoff.count()) + " ms)");
    short_of_descriptors = true;
    accept_again = clock_type::now() + backoff;
    backoff = std::min(backoff * 2, longest_backoff);
  }

  void welcome(int fd) {
    if (handshakes.size() >= options.max_pending_handshakes) {
      // The oldest has had the most time: a client that means it completes
      // the handshake in a round trip, a slot held longer is likely a
      // stranger's. Evicting it keeps the door open to newcomers.
      auto& oldest = handshakes.front();
      log(log_level::warning, log_source, log_kind{"handshakes at limit"},
          "closed control connection from " + oldest.peer + ": "
              + std::to_string(options.max_pending_handshakes)
              + " handshakes in progress, this one the oldest");
      ::close(oldest.fd);
      handshakes.pop_front();
    }
    pending x;
    x.fd = fd;
    x.peer = peer_of(fd);
    x.deadline = clock_type::now() + options.handshake_timeout;
    x.hello.secret_required = !secret.empty();
    try {
      x.hello.node_nonce = auth::fresh_nonce();
    } catch (const std::exception& e) {
      log(log_level::error, log_source,
          std::string{"closed control connection: "} + e.what());
      ::close(fd);
      return;
    }
    auto hello = auth::encode(x.hello);
    if (!send_all_now(fd, hello.data(), hello.size())) {
      ::close(fd);
      return;
    }
    handshakes.push_back(std::move(x));
  }

  // Reads what the peer sent; false once the connection is done with (let
  // through or closed).
  bool read_response(pending& x) {
    auto got = ::recv(x.fd, x.buf.data() + x.got, x.buf.size() - x.got, 0);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return true;
    if (got <= 0) {
      ::close(x.fd);
      return false;
    }
    x.got += static_cast<size_t>(got);
    if (x.got < x.buf.size())
      return true;
    auto verdict = auth::judge(secret, x.hello, x.buf.data());
    if (!send_all_now(x.fd, verdict.bytes.data(), verdict.bytes.size())
        || !verdict.accepted) {
      if (!verdict.accepted)
        log(log_level::warning, log_source, log_kind{"refused"},
            "refused control connection from " + x.peer + ": "
                + auth::describe(verdict.reason));
      ::close(x.fd);
      return false;
    }
    admit(x.fd);
    return false;
  }
};

front_door::front_door(int listen_fd, std::string secret,
                       control_options options, admit_fn admit)
    : loop_(std::make_unique<loop>(listen_fd, std::move(secret), options,
                                   std::move(admit))) {
  thread_ = std::thread([this] { loop_->run(); });
}

front_door::~front_door() {
  loop_->stop();
  thread_.join();
}

} // namespace pss
