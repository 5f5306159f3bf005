#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "host/session_slots.hpp"
#include "session/session_config.hpp"

namespace pss {

/// What a session host tells its server about one session: that it
/// started (`session` set) or ended.
struct session_news {
  /// The host's number for the session (unique per server: the host's
  /// index is in its low bits).
  uint64_t ticket = 0;
  /// The server's index of the host.
  int host = -1;
  /// Started: the session, its peer and its live counters.
  caf::actor session;
  std::string peer;
  std::shared_ptr<session_stats> stats;
  std::chrono::steady_clock::time_point started;
  /// Started: sessions counted with it (for the peak).
  int32_t active = 0;
  /// Started: its descriptor (checked against the reserve).
  int fd = -1;
  /// Ended: why.
  caf::error reason;
};

/// What a server shares with the session hosts that accept for it
/// (docs/io-threads.md): the count against Max, the configuration of new
/// sessions, and the news of sessions started and ended, which the server
/// reads when it needs them instead of being woken for each.
class accept_share {
public:
  accept_share(int32_t max, std::shared_ptr<const session_config> config)
      : slots(max), config_(std::move(config)) {
    // nop
  }

  session_slots slots;

  /// The configuration new sessions get.
  std::shared_ptr<const session_config> config() const {
    return std::atomic_load(&config_);
  }

  /// Replaces it (reload_tls): sessions accepted from now on get `cfg`.
  void set_config(std::shared_ptr<const session_config> cfg) {
    std::atomic_store(&config_, std::move(cfg));
  }

  /// Host: queues `news`. True if the server should be woken for it: it
  /// asked to be (`want_news`), or the queue grew long.
  bool post(session_news news) {
    std::lock_guard<std::mutex> guard{mtx_};
    news_.push_back(std::move(news));
    return news_.size() % wake_every == 0 || wants_news_.load();
  }

  /// Host, after a slot went back without news: whether the server waits
  /// for the count to change.
  bool wants_news() const {
    return wants_news_.load();
  }

  /// Server: everything queued so far, oldest first.
  std::vector<session_news> take_news() {
    std::vector<session_news> result;
    std::lock_guard<std::mutex> guard{mtx_};
    result.swap(news_);
    return result;
  }

  /// Server: be woken for every news and every slot given back from now
  /// on (a drain, a `children` request), or no longer. Set before the
  /// server reads the count, so that no change between is missed.
  void want_news(bool wanted) {
    wants_news_.store(wanted);
  }

  /// Sessions of this server on each host (written by that host only;
  /// read by the others to take turns: see `host_listener`).
  std::array<std::atomic<int32_t>, session_slots::max_hosts> loads{};

  /// The process's descriptor limit, as the server last read it (hosts
  /// compare accepted descriptors against its reserve).
  std::atomic<int> descriptor_limit{0};

  /// How many queued news wake the server without its asking (it also
  /// reads them on its accept watchdog's timer).
  static constexpr size_t wake_every = 512;

private:
  std::shared_ptr<const session_config> config_;
  std::mutex mtx_;
  std::vector<session_news> news_;
  std::atomic<bool> wants_news_{false};
};

using accept_share_ptr = std::shared_ptr<accept_share>;

} // namespace pss
