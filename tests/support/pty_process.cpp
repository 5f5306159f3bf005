#include "pty_process.hpp"

#include <cerrno>
#include <csignal>
#include <thread>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace pss::test {

namespace {

using clock = std::chrono::steady_clock;

// Drops ANSI escape sequences and carriage returns so that tests read the
// text a person sees.
std::string strip_escapes(const std::string& raw) {
  std::string text;
  for (size_t i = 0; i < raw.size(); ++i) {
    auto c = raw[i];
    if (c == '\x1b') {
      ++i;
      if (i < raw.size() && raw[i] == '[') {
        ++i;
        while (i < raw.size() && !(raw[i] >= '@' && raw[i] <= '~'))
          ++i;
      }
      continue;
    }
    if (c == '\r' || c == '\a')
      continue;
    text += c;
  }
  return text;
}

} // namespace

pty_process::pty_process(const std::string& program,
                         const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env) {
  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed (this process has threads).
  std::vector<std::string> env_strings{"PATH=/usr/bin:/bin"};
  for (auto& kvp : env)
    env_strings.push_back(kvp.first + "=" + kvp.second);
  std::vector<char*> envp;
  for (auto& x : env_strings)
    envp.push_back(const_cast<char*>(x.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 120;
  pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
}

pty_process::~pty_process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (master_ >= 0)
    ::close(master_);
}

bool pty_process::type(const std::string& keys) {
  size_t done = 0;
  while (done < keys.size()) {
    auto n = ::write(master_, keys.data() + done, keys.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

void pty_process::read_available(int timeout_ms) {
  pollfd pfd{master_, POLLIN, 0};
  if (::poll(&pfd, 1, timeout_ms) <= 0)
    return;
  char buf[4096];
  auto n = ::read(master_, buf, sizeof(buf));
  if (n > 0)
    output_.append(buf, static_cast<size_t>(n));
}

bool pty_process::wait_for(const std::string& text,
                           std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  for (;;) {
    if (screen().find(text) != std::string::npos)
      return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - clock::now());
    if (left.count() <= 0)
      return false;
    read_available(static_cast<int>(left.count()));
  }
}

bool pty_process::wait_until_editing(std::chrono::milliseconds deadline) {
  return poll_until(
      [&] {
        termios mode{};
        // On Linux the master reports the terminal settings of the slave.
        return ::tcgetattr(master_, &mode) == 0 && (mode.c_lflag & ICANON) == 0;
      },
      deadline);
}

std::string pty_process::screen() const {
  return strip_escapes(output_);
}

void pty_process::forget() {
  output_.clear();
}

int pty_process::wait_exit(std::chrono::milliseconds deadline) {
  if (exited_)
    return exit_status_;
  auto until = clock::now() + deadline;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return exit_status_;
    }
    if (clock::now() >= until)
      return -1;
    read_available(5); // a child blocked on a full terminal must go on
  }
}

} // namespace pss::test
