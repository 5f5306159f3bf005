#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <utility>

namespace pss {

/// The sessions of a server that are still reading their request, oldest
/// first, so that when they are about to fill the server the oldest can be
/// given up and a slot stays free for the next client (the metrics server:
/// a scraper sends its request at once, a peer that holds slots does not).
/// Thread-safe: a session may end on another thread than the one it ran on.
template <class Handle>
class pending_requests {
public:
  /// At most `limit` requests may be pending at once.
  explicit pending_requests(size_t limit) : limit_(limit) {
    // nop
  }

  /// Adds the request of `session`; returns its ticket and, when that
  /// passed the limit, the oldest pending session (no longer pending).
  std::pair<uint64_t, std::optional<Handle>> add(Handle session) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto ticket = ++last_ticket_;
    entries_.emplace_back(ticket, std::move(session));
    std::optional<Handle> evicted;
    if (entries_.size() > limit_) {
      evicted = std::move(entries_.front().second);
      entries_.pop_front();
    }
    return {ticket, std::move(evicted)};
  }

  /// The request of `ticket` is complete (or its session gone).
  void remove(uint64_t ticket) {
    std::lock_guard<std::mutex> guard{mtx_};
    entries_.remove_if([ticket](auto& entry) { return entry.first == ticket; });
  }

  /// How many requests are pending.
  size_t size() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return entries_.size();
  }

private:
  const size_t limit_;
  mutable std::mutex mtx_;
  uint64_t last_ticket_ = 0;
  std::list<std::pair<uint64_t, Handle>> entries_;
};

} // namespace pss
