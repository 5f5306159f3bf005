#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

namespace pss::logging {

/// Writes lines to a file descriptor from a thread of its own, so that no
/// caller ever waits for the descriptor: a pipe nobody reads blocks only
/// that thread. The queue is bounded; lines that do not fit are dropped,
/// counted and reported once writing goes on.
///
/// Instances are meant to live until the process ends (they are never
/// destroyed: the thread may be stuck in `write` for good, and the process
/// must still be able to exit).
class line_writer {
public:
  /// Makes the text of the line that reports `count` dropped lines.
  using drop_notice = std::function<std::string(size_t count)>;

  /// Writes to `fd`, holding at most `capacity` bytes of queued lines.
  /// `tick`, if set, runs on the writer's thread about every `tick_period`.
  line_writer(int fd, size_t capacity, drop_notice notice,
              std::function<void()> tick = nullptr,
              std::chrono::milliseconds tick_period
              = std::chrono::milliseconds{200});

  line_writer(const line_writer&) = delete;
  line_writer& operator=(const line_writer&) = delete;

  /// Queues `line` (a newline is added). Never blocks on the descriptor.
  void write(std::string line);

  /// Waits until every queued line is written, or `deadline` passed;
  /// returns whether all were written.
  bool flush(std::chrono::milliseconds deadline);

  /// Lines dropped so far because the queue was full.
  size_t dropped_total() const;

private:
  void run();
  void write_all(const std::string& text);

  const int fd_;
  const size_t capacity_;
  const drop_notice notice_;
  const std::function<void()> tick_;
  const std::chrono::milliseconds tick_period_;
  mutable std::mutex mtx_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  size_t dropped_ = 0; // since the last notice
  size_t dropped_total_ = 0;
  bool writing_ = false;
};

} // namespace pss::logging
