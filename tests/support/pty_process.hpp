#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "deadline.hpp"

namespace pss::test {

/// A program on a pseudo-terminal, driven as a person would: keys go in,
/// the screen's text comes out. Every wait has a deadline.
class pty_process {
public:
  /// Starts `program` with `args` and the environment variables `env`
  /// (besides PATH).
  pty_process(const std::string& program, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env);
  pty_process(const pty_process&) = delete;
  pty_process& operator=(const pty_process&) = delete;
  ~pty_process();

  /// Whether the program started.
  bool started() const {
    return pid_ > 0;
  }

  /// Types `keys` (use "\t" for Tab, "\r" for Enter, "\x1b[A" for Up).
  bool type(const std::string& keys);

  /// Waits until `text` shows up in what the program wrote since the last
  /// `forget`; false if the deadline passes first.
  bool wait_for(const std::string& text,
                std::chrono::milliseconds deadline = default_deadline);

  /// Waits until the program reads keys one by one (the terminal is out of
  /// line mode): a line editor is at its prompt. Keys typed before that
  /// are handled by the terminal driver, not the editor (Ctrl-D is lost).
  bool wait_until_editing(std::chrono::milliseconds deadline
                          = default_deadline);

  /// What the program wrote since the last `forget`, terminal escape
  /// sequences removed.
  std::string screen() const;

  /// Starts collecting output afresh.
  void forget();

  /// Waits for the program to end; its exit status, or -1.
  int wait_exit(std::chrono::milliseconds deadline = default_deadline);

private:
  void read_available(int timeout_ms);

  pid_t pid_ = -1;
  int master_ = -1;
  std::string output_;
  bool exited_ = false;
  int exit_status_ = -1;
};

} // namespace pss::test
