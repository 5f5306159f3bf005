#pragma once

#include <atomic>
#include <cstdint>

namespace pss {

/// The one count against Max of a server whose sessions run on several I/O
/// threads, each of which accepts for it (docs/io-threads.md). Pure logic on
/// atomics, no actor: the server and the session hosts share it, tests drive
/// it directly.
///
/// Num, Max and whether the server accepts at all live in one 64-bit word,
/// so that taking a slot is one compare-and-swap against all three: a slot
/// is taken before `accept4` and given back when the session's cleanup is
/// done (or at once when the accept found nobody), so the sessions that
/// exist anywhere never outnumber Num, and Num never passes Max.
///
/// An acceptor that finds no slot stops listening (its socket would wake it
/// again and again) and marks itself paused; whoever frees a slot, or opens
/// the server again, wakes the paused ones. The mark and the count are both
/// sequentially consistent, so either the pausing acceptor sees the freed
/// slot or the one freeing it sees the mark: no acceptor stays asleep while
/// a slot is free.
class session_slots {
public:
  explicit session_slots(int32_t max) : word_(pack(0, max, true)) {
    // nop
  }

  /// Takes a slot if one is free and the server accepts. Returns the
  /// sessions counted with it (for the peak), or 0 if none was taken.
  int32_t try_take() {
    auto word = word_.load();
    for (;;) {
      if (!open_of(word) || num_of(word) >= max_of(word))
        return 0;
      if (word_.compare_exchange_weak(word, word + 1))
        return num_of(word) + 1;
    }
  }

  /// Gives a slot back. Returns the acceptors to wake (bit k: host k),
  /// cleared here, if a slot is free now.
  uint32_t give_back() {
    word_.fetch_sub(1);
    return wake_if_free();
  }

  /// Marks acceptor `host` paused for want of a slot. False if a slot is
  /// free meanwhile: then it is not marked, and should try again.
  bool pause(int host) {
    auto bit = bit_of(host);
    paused_.fetch_or(bit);
    if (free_now()) {
      paused_.fetch_and(~bit);
      return false;
    }
    return true;
  }

  /// Marks acceptor `host` paused whatever the count (it stopped for
  /// another reason, such as a lack of descriptors); the server wakes it.
  void mark_paused(int host) {
    paused_.fetch_or(bit_of(host));
  }

  /// Sets Max and whether the server accepts. Returns the acceptors to
  /// wake, cleared here, if a slot is free now.
  uint32_t set(int32_t max, bool open) {
    auto word = word_.load();
    while (!word_.compare_exchange_weak(word, pack(num_of(word), max, open))) {
      // retry against the count a session changed meanwhile
    }
    return wake_if_free();
  }

  /// Stops accepting until the server opens again (`set`): an acceptor
  /// that took a descriptor of the reserve does this at once, before the
  /// server hears of it.
  void close() {
    word_.fetch_and(~open_bit);
  }

  /// Sessions counted now (running, or being accepted).
  int32_t num() const {
    return num_of(word_.load());
  }

  int32_t max() const {
    return max_of(word_.load());
  }

  bool open() const {
    return open_of(word_.load());
  }

  /// Acceptors marked paused now (bit k: host k).
  uint32_t paused() const {
    return paused_.load();
  }

  /// The most session threads a server can have: one bit each.
  static constexpr int max_hosts = 32;

private:
  static constexpr uint64_t num_bits = 31;
  static constexpr uint64_t num_mask = (uint64_t{1} << num_bits) - 1;
  static constexpr uint64_t open_bit = uint64_t{1} << 63;

  static uint64_t pack(int32_t num, int32_t max, bool open) {
    return static_cast<uint64_t>(num) | (static_cast<uint64_t>(max) << num_bits)
           | (open ? open_bit : 0);
  }

  static int32_t num_of(uint64_t word) {
    return static_cast<int32_t>(word & num_mask);
  }

  static int32_t max_of(uint64_t word) {
    return static_cast<int32_t>((word >> num_bits) & num_mask);
  }

  static bool open_of(uint64_t word) {
    return (word & open_bit) != 0;
  }

  static uint32_t bit_of(int host) {
    return uint32_t{1} << static_cast<unsigned>(host);
  }

  bool free_now() const {
    auto word = word_.load();
    return open_of(word) && num_of(word) < max_of(word);
  }

  uint32_t wake_if_free() {
    if (!free_now() || paused_.load() == 0)
      return 0;
    return paused_.exchange(0);
  }

  std::atomic<uint64_t> word_;
  std::atomic<uint32_t> paused_{0};
};

} // namespace pss
