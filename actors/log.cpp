#include "pss/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace pss {

namespace {

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

} // namespace

void log_to_stderr(log_level level, const std::string& source,
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
  std::fprintf(stderr, "%s.%03dZ %s [%s] %s\n", stamp, static_cast<int>(millis),
               level_name(level), source.c_str(), text.c_str());
}

namespace {

struct sink_holder {
  std::mutex mtx;
  log_sink sink = log_to_stderr;
};

sink_holder& holder() {
  static sink_holder instance;
  return instance;
}

} // namespace

void set_log_sink(log_sink sink) {
  auto& h = holder();
  std::lock_guard<std::mutex> guard{h.mtx};
  h.sink = std::move(sink);
}

void log(log_level level, const std::string& source, const std::string& text) {
  auto& h = holder();
  std::lock_guard<std::mutex> guard{h.mtx};
  if (h.sink)
    h.sink(level, source, text);
}

} // namespace pss
