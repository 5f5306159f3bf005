#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace pss {

/// The order of one session's replies: places reserved for replies still
/// being computed, and the output that must wait behind them. Free of
/// actors and I/O: bytes in, bytes out in order.
///
/// Every entry gets the next id, so an entry is found by its id in constant
/// time (`id - front id`); an entry leaves only from the front, once filled.
class reply_order {
public:
  /// Reserves the next place; returns its id.
  uint64_t reserve() {
    entries_.push_back(entry{});
    return next_id_++;
  }

  /// Fills the place `id` with `bytes` (`packets` framed packets); does
  /// nothing for a place already filled or gone.
  void fill(uint64_t id, std::vector<char> bytes, uint32_t packets) {
    if (auto x = find(id); x != nullptr && !x->filled) {
      x->bytes = std::move(bytes);
      x->packets = packets;
      x->filled = true;
    }
  }

  /// Output that reserved no place: it leaves after every place reserved
  /// before it. Joins the last entry when that one is filled already.
  void append(const char* data, size_t size, uint32_t packets) {
    if (entries_.empty() || !entries_.back().filled) {
      entries_.push_back(entry{});
      entries_.back().filled = true;
      ++next_id_;
    }
    auto& last = entries_.back();
    last.bytes.insert(last.bytes.end(), data, data + size);
    last.packets += packets;
  }

  /// Whether output must queue here (some place is still open or waiting).
  bool holds_back() const {
    return !entries_.empty();
  }

  /// Calls `out(const std::vector<char>&, uint32_t packets)` for every
  /// filled entry at the front, in order, and removes them.
  template <class Out>
  void take_ready(Out&& out) {
    while (!entries_.empty() && entries_.front().filled) {
      auto x = std::move(entries_.front());
      entries_.pop_front();
      ++front_id_;
      if (!x.bytes.empty() || x.packets > 0)
        out(x.bytes, x.packets);
    }
  }

  /// Places reserved and not yet filled.
  size_t open() const {
    size_t n = 0;
    for (auto& x : entries_)
      n += x.filled ? 0 : 1;
    return n;
  }

private:
  struct entry {
    std::vector<char> bytes;
    uint32_t packets = 0;
    bool filled = false;
  };

  entry* find(uint64_t id) {
    if (id < front_id_ || id - front_id_ >= entries_.size())
      return nullptr;
    return &entries_[static_cast<size_t>(id - front_id_)];
  }

  std::deque<entry> entries_;
  /// Id of `entries_.front()`.
  uint64_t front_id_ = 0;
  uint64_t next_id_ = 0;
};

} // namespace pss
