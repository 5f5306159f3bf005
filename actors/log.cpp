#include "pss/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include <unistd.h>

#include "log/line_writer.hpp"
#include "log/rate_limiter.hpp"

namespace pss {

namespace {

using namespace std::chrono_literals;

constexpr size_t default_lines_per_interval = 10;
constexpr auto default_interval = 1s;
// Room for a few thousand lines: enough for any burst the rate limit lets
// through, small enough not to matter when stderr is blocked for good.
constexpr size_t stderr_queue_bytes = 256 * 1024;
constexpr size_t stdout_queue_bytes = 64 * 1024;
constexpr auto exit_flush_deadline = 500ms;

const char* level_name(log_level level) {
  switch (level) {
    case log_level::info:
      return "info";
    case log_level::warning:
      return "warning";
    default:
      return "error";
  }
}

std::string format_line(log_level level, const std::string& source,
                        const std::string& text) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto seconds = system_clock::to_time_t(now);
  auto millis
      = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  char millis_text[8];
  std::snprintf(millis_text, sizeof(millis_text), ".%03dZ ",
                static_cast<int>(millis));
  return stamp + std::string{millis_text} + level_name(level) + " [" + source
         + "] " + text;
}

std::string summary_text(const logging::suppressed_lines& held) {
  return std::to_string(held.count) + " more suppressed (" + held.kind + ")";
}

// The sink and the rate limit in front of it; sinks are called one at a
// time, under the lock.
struct log_state {
  std::mutex mtx;
  log_sink sink = log_to_stderr;
  logging::rate_limiter limiter{default_lines_per_interval, default_interval};

  void write_summaries(const std::vector<logging::suppressed_lines>& all) {
    if (!sink)
      return;
    for (auto& held : all)
      sink(held.level, held.source, summary_text(held));
  }
};

// Never destroyed: the writers' threads may use it until the process ends.
log_state& state() {
  static auto* instance = new log_state;
  return *instance;
}

void write_due_summaries() {
  auto& st = state();
  std::lock_guard<std::mutex> guard{st.mtx};
  st.write_summaries(st.limiter.take_due(logging::rate_limiter::clock::now()));
}

// Also the clock of the rate limit: its thread writes summaries that are
// due when no further line of their cause comes.
logging::line_writer& stderr_writer() {
  static auto* instance = [] {
    auto writer = new logging::line_writer{
        STDERR_FILENO, stderr_queue_bytes,
        [](size_t count) {
          return format_line(log_level::warning, "pss",
                             std::to_string(count)
                                 + " log lines dropped: stderr blocked");
        },
        write_due_summaries};
    std::atexit([] { flush_log(exit_flush_deadline); });
    return writer;
  }();
  return *instance;
}

std::atomic<logging::line_writer*> stdout_instance{nullptr};

logging::line_writer& stdout_writer() {
  static auto* instance = [] {
    auto writer = new logging::line_writer{
        STDOUT_FILENO, stdout_queue_bytes, [](size_t count) {
          return std::to_string(count) + " lines dropped: stdout blocked";
        }};
    stdout_instance = writer;
    return writer;
  }();
  return *instance;
}

} // namespace

void log_to_stderr(log_level level, const std::string& source,
                   const std::string& text) {
  stderr_writer().write(format_line(level, source, text));
}

void set_log_sink(log_sink sink) {
  auto& st = state();
  std::lock_guard<std::mutex> guard{st.mtx};
  st.sink = std::move(sink);
  st.limiter.reset(st.limiter.lines(), st.limiter.interval());
}

void log(log_level level, const std::string& source, const std::string& text) {
  log(level, source, log_kind{level_name(level)}, text);
}

void log(log_level level, const std::string& source, const log_kind& kind,
         const std::string& text) {
  stderr_writer(); // starts the clock of the rate limit
  auto& st = state();
  std::lock_guard<std::mutex> guard{st.mtx};
  auto verdict = st.limiter.admit(source, kind.name, level,
                                  logging::rate_limiter::clock::now());
  if (!st.sink)
    return;
  if (verdict.earlier.count > 0)
    st.sink(verdict.earlier.level, verdict.earlier.source,
            summary_text(verdict.earlier));
  if (verdict.write)
    st.sink(level, source, text);
}

void set_log_rate_limit(size_t lines, std::chrono::milliseconds interval) {
  auto& st = state();
  std::lock_guard<std::mutex> guard{st.mtx};
  st.limiter.reset(lines, interval);
}

void print_line(const std::string& line) {
  stdout_writer().write(line);
}

bool flush_log(std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  {
    auto& st = state();
    std::lock_guard<std::mutex> guard{st.mtx};
    st.write_summaries(st.limiter.take_all());
  }
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
  };
  auto out
      = stdout_instance == nullptr || stdout_instance.load()->flush(left());
  auto err = stderr_writer().flush(left());
  return out && err;
}

} // namespace pss
