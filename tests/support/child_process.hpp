#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "deadline.hpp"

namespace pss::test {

/// Where a child's stderr goes.
enum class stderr_kind {
  /// A file the test reads with `stderr_text`.
  file,
  /// A pipe that the test never reads (see `fill_pipes`).
  unread_pipe,
};

/// A program run by a test, with its stdout and stderr captured. Every wait
/// has a deadline; the destructor kills the process if it still runs.
class child_process {
public:
  /// Starts `program` with `args` (not including argv[0]), in this
  /// process's environment with `env` added (or replaced).
  child_process(const std::string& program, std::vector<std::string> args,
                const std::map<std::string, std::string>& env = {},
                stderr_kind err = stderr_kind::file);
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process();

  /// The process id.
  pid_t pid() const {
    return pid_;
  }

  /// Whether the program could be started.
  bool started() const {
    return pid_ > 0;
  }

  /// The next line on stdout (without its newline), or nothing when the
  /// deadline passes or stdout closes first.
  bool read_line(std::string& line,
                 std::chrono::milliseconds deadline = default_deadline);

  /// Sends `signal` to the process.
  void send_signal(int signal);

  /// Waits for the process to end; returns its exit status, or -1 when it
  /// did not end in time (or ended by a signal).
  int wait_exit(std::chrono::milliseconds deadline = default_deadline);

  /// Everything the process wrote to stderr so far (`stderr_kind::file`).
  std::string stderr_text();

  /// Fills the stdout pipe (and stderr's, if a pipe) up to its capacity, as
  /// a reader that stopped reading leaves it: the child's next write to it
  /// blocks. Returns whether both are full.
  bool fill_pipes();

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  stderr_kind stderr_kind_;
  std::string stdout_buf_;
  int exit_status_ = -1;
  bool exited_ = false;
};

/// Reads lines until one starts with `prefix`; returns it, or "" if none
/// came in time.
std::string read_line_starting(child_process& proc, const std::string& prefix,
                               std::chrono::milliseconds deadline
                               = default_deadline);

} // namespace pss::test
