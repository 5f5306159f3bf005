#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace pss {

/// Notices a server that should accept, has clients waiting in its listen
/// queue, and accepts none of them: the process is out of descriptors. CAF
/// 0.17's acceptor then fails silently and its event loop, woken again and
/// again by the still-readable socket, spins at full speed and starves every
/// other session of the node. The watchdog tells the server to pause
/// accepting and when to try again, backing off while the shortage lasts.
/// Pure logic: the server feeds it counts on a timer.
class accept_watchdog {
public:
  /// How often the server checks.
  static constexpr auto interval = std::chrono::milliseconds(100);

  /// Longest pause, in checks.
  static constexpr int max_pause = 10;

  /// Counts one accepted connection that left the reserve untouched:
  /// accepting works, forget the back-off. (One that took a reserved
  /// descriptor is `reserve_reached` instead, never this: a retry that
  /// gets one more descriptor is no sign the shortage is over.)
  void accepted() {
    ++accepted_;
    backoff_ = 1;
    in_shortage_ = false;
  }

  /// One check. `accepting`: the server wants to accept (below Max);
  /// `queued`: connections waiting in the kernel's listen queue. Returns
  /// whether accepting is paused after this check.
  bool check(bool accepting, size_t queued) {
    auto progress = accepted_ != seen_;
    seen_ = accepted_;
    if (pause_left_ > 0) {
      --pause_left_;
      return paused();
    }
    // Clients that arrived just before a check are not a stall yet: only a
    // queue that stays without progress over a whole interval is. Within a
    // shortage, one stuck check is enough.
    bool stuck = accepting && queued > 0 && !progress;
    if (stuck && (suspect_ || in_shortage_)) {
      suspect_ = false;
      in_shortage_ = true;
      pause_left_ = backoff_;
      backoff_ = std::min(backoff_ * 2, max_pause);
      return true;
    }
    suspect_ = stuck;
    return false;
  }

  /// Whether accepting is paused now.
  bool paused() const {
    return pause_left_ > 0;
  }

  /// Whether the last pause began a new shortage (for logging it once).
  bool shortage_began() const {
    return backoff_ == 2 && pause_left_ == 1;
  }

  /// Whether accepting has failed since the last accepted connection.
  bool in_shortage() const {
    return in_shortage_;
  }

  /// Pauses as in a shortage, before it happens: the process is about to run
  /// out of descriptors (the server keeps a reserve for others, such as
  /// the control endpoint and the sessions' own needs). While in a shortage
  /// the server resumes only once the kernel shows descriptors to spare
  /// (descriptors_to_spare), so that pauses that end cost no failed accept.
  void reserve_reached() {
    in_shortage_ = true;
    pause_left_ = backoff_;
    backoff_ = std::min(backoff_ * 2, max_pause);
  }

  /// An accept failed for want of descriptors: pause as in a shortage.
  void accept_failed() {
    reserve_reached();
  }

  /// Ends a pause early: a descriptor was just freed (a session ended).
  void retry_now() {
    pause_left_ = 0;
  }

private:
  uint64_t accepted_ = 0;
  uint64_t seen_ = 0;
  int pause_left_ = 0;
  int backoff_ = 1;
  bool suspect_ = false;
  bool in_shortage_ = false;
};

} // namespace pss
