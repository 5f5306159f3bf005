#include "log/line_writer.hpp"

#include <cerrno>
#include <csignal>
#include <thread>

#include <pthread.h>
#include <unistd.h>

namespace pss::logging {

line_writer::line_writer(int fd, size_t capacity, drop_notice notice,
                         std::function<void()> tick,
                         std::chrono::milliseconds tick_period)
    : fd_(fd), capacity_(capacity), notice_(std::move(notice)),
      tick_(std::move(tick)), tick_period_(tick_period) {
  // The thread takes no signals: a program's sigwait (pss-node) must get
  // them, and a reader that closes the pipe must cost a failed write
  // (EPIPE), not the process (SIGPIPE). A new thread inherits the mask.
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &before);
  std::thread{[this] { run(); }}.detach();
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

void line_writer::write(std::string line) {
  line += '\n';
  std::lock_guard<std::mutex> guard{mtx_};
  if (queued_bytes_ + line.size() > capacity_) {
    ++dropped_;
    ++dropped_total_;
    return;
  }
  queued_bytes_ += line.size();
  queue_.push_back(std::move(line));
  wake_.notify_one();
}

bool line_writer::flush(std::chrono::milliseconds deadline) {
  std::unique_lock<std::mutex> guard{mtx_};
  return idle_.wait_for(guard, deadline,
                        [this] { return queue_.empty() && !writing_; });
}

size_t line_writer::dropped_total() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return dropped_total_;
}

void line_writer::run() {
  using clock = std::chrono::steady_clock;
  auto next_tick = clock::now() + tick_period_;
  std::unique_lock<std::mutex> guard{mtx_};
  for (;;) {
    wake_.wait_until(guard, next_tick, [this] { return !queue_.empty(); });
    std::string batch;
    if (dropped_ > 0 && notice_) {
      batch = notice_(dropped_) + '\n';
      dropped_ = 0;
    }
    while (!queue_.empty()) {
      batch += queue_.front();
      queue_.pop_front();
    }
    // The queue's room is given back only once the batch is written: what
    // waits in this thread counts against the bound as well.
    auto batch_bytes = queued_bytes_;
    writing_ = !batch.empty();
    guard.unlock();
    write_all(batch);
    // The next tick moves on whether or not there is a tick to run: a
    // deadline left in the past would make the wait above return at once,
    // for ever (a writer without a tick would spin).
    if (clock::now() >= next_tick) {
      if (tick_)
        tick_();
      next_tick = clock::now() + tick_period_;
    }
    guard.lock();
    queued_bytes_ -= batch_bytes;
    writing_ = false;
    if (queue_.empty())
      idle_.notify_all();
  }
}

void line_writer::write_all(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return; // A closed or broken descriptor: the lines are lost.
    done += static_cast<size_t>(n);
  }
}

} // namespace pss::logging
