#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace pss::bench {

/// An echo server under test, in a process of its own so that its memory is
/// measured alone: pss-node's echo handler, the bare epoll baseline or
/// pss-kv.
class server_process {
public:
  /// Starts `program` with `args` and reads its port from the first stdout
  /// line that has one (`started NAME port=P ...` or `listening P`). Its
  /// stderr is appended to `stderr_path`, or discarded when that is empty.
  server_process(const std::string& program, std::vector<std::string> args,
                 const std::string& stderr_path = {});
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  /// Stops the server (SIGTERM, then SIGKILL if it lingers) and reaps it.
  ~server_process();

  /// The port it listens on; 0 when it did not start.
  uint16_t port() const {
    return port_;
  }

  /// Its resident memory now, in bytes (VmRSS).
  size_t resident_bytes() const;

  /// CPU time it used so far, user + system, all its threads (those that
  /// ended too), seconds; from /proc/PID/stat, so in clock ticks (10 ms).
  double cpu_seconds() const;

private:
  pid_t pid_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
};

/// This program's path: the baselines are pss-bench itself, run with
/// `--serve-baseline` or `--serve-tls-baseline`.
std::string self_path();

/// The program `name` next to this pss-bench when there is one (an
/// installed bench runs the installed pss-node), else `built`: the path in
/// the build tree this bench was compiled in.
std::string program_path(const std::string& name, const char* built);

} // namespace pss::bench
