#include "child_process.hpp"

#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pss::test {

namespace {

using clock = std::chrono::steady_clock;

// `environ` with `extra` added; a name in `extra` replaces the inherited one.
std::vector<std::string>
environment_with(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> result;
  for (auto entry = environ; *entry != nullptr; ++entry) {
    std::string text{*entry};
    if (extra.count(text.substr(0, text.find('='))) == 0)
      result.push_back(std::move(text));
  }
  for (auto& kvp : extra)
    result.push_back(kvp.first + "=" + kvp.second);
  return result;
}

} // namespace

child_process::child_process(const std::string& program,
                             std::vector<std::string> args,
                             const std::map<std::string, std::string>& env,
                             stderr_kind err)
    : stderr_kind_(err) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return;
  int err_pipe[2] = {-1, -1};
  if (err == stderr_kind::unread_pipe) {
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    stderr_fd_ = err_pipe[0];
  } else {
    // By default stderr goes to a file: a pipe nobody reads could fill up
    // and hold the child's logging back.
    char path[] = "/tmp/pss-test-stderr-XXXXXX";
    stderr_fd_ = ::mkostemp(path, O_CLOEXEC);
    if (stderr_fd_ < 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    ::unlink(path);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(
      &actions, err_pipe[1] >= 0 ? err_pipe[1] : stderr_fd_, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  auto env_text = environment_with(env);
  std::vector<char*> envp;
  for (auto& entry : env_text)
    envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  // The test process blocks signals in CAF's threads only; the child starts
  // with a clean mask and default handlers.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (::posix_spawn(&pid_, program.c_str(), &actions, &attr, argv.data(),
                    envp.data())
      != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  if (err_pipe[1] >= 0)
    ::close(err_pipe[1]);
  stdout_fd_ = out[0];
}

child_process::~child_process() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0)
    ::close(stdout_fd_);
  if (stderr_fd_ >= 0)
    ::close(stderr_fd_);
}

bool child_process::read_line(std::string& line,
                              std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  for (;;) {
    auto newline = stdout_buf_.find('\n');
    if (newline != std::string::npos) {
      line = stdout_buf_.substr(0, newline);
      stdout_buf_.erase(0, newline + 1);
      return true;
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    auto rc = ::poll(&pfd, 1, ms_until(until));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc <= 0)
      return false;
    char buf[4096];
    auto n = ::read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0)
      return false;
    stdout_buf_.append(buf, static_cast<size_t>(n));
  }
}

void child_process::send_signal(int signal) {
  if (pid_ > 0 && !exited_)
    ::kill(pid_, signal);
}

int child_process::wait_exit(std::chrono::milliseconds deadline) {
  if (exited_)
    return exit_status_;
  auto until = clock::now() + deadline;
  for (;;) {
    int status = 0;
    auto rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == pid_) {
      exited_ = true;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return exit_status_;
    }
    if (clock::now() >= until)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string child_process::stderr_text() {
  std::string text;
  char buf[4096];
  ssize_t n;
  off_t offset = 0;
  while ((n = ::pread(stderr_fd_, buf, sizeof(buf), offset)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return text;
}

namespace {

// Writes into the pipe whose reading end is `read_fd` until it is full.
// Through a writing end of its own (opened by its /proc path), so that
// O_NONBLOCK does not reach the child's end of the pipe.
bool fill_pipe(int read_fd) {
  auto path = "/proc/self/fd/" + std::to_string(read_fd);
  auto fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return false;
  std::string junk(4096, '#');
  bool full = false;
  for (;;) {
    auto n = ::write(fd, junk.data(), junk.size());
    if (n > 0)
      continue;
    if (n < 0 && errno == EINTR)
      continue;
    full = n < 0 && errno == EAGAIN;
    if (full && junk.size() > 1) {
      junk.resize(1); // the last bytes: a smaller write may still fit
      continue;
    }
    break;
  }
  ::close(fd);
  return full;
}

} // namespace

bool child_process::fill_pipes() {
  auto out = fill_pipe(stdout_fd_);
  auto err = stderr_kind_ != stderr_kind::unread_pipe || fill_pipe(stderr_fd_);
  return out && err;
}

std::string read_line_starting(child_process& proc, const std::string& prefix,
                               std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::string line;
  while (std::chrono::steady_clock::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (!proc.read_line(line, left))
      return {};
    if (line.rfind(prefix, 0) == 0)
      return line;
  }
  return {};
}

} // namespace pss::test
