#include "server_process.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pss::bench {

namespace {

// Finds `port=P` or `listening P` in a line; 0 if neither.
uint16_t port_in(const std::string& line) {
  auto at = line.find("port=");
  if (at != std::string::npos)
    return static_cast<uint16_t>(std::stoi(line.substr(at + 5)));
  if (line.rfind("listening ", 0) == 0)
    return static_cast<uint16_t>(std::stoi(line.substr(10)));
  return 0;
}

} // namespace

std::string self_path() {
  char path[4096];
  auto n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "pss-bench";
}

std::string program_path(const std::string& name, const char* built) {
  auto self = self_path();
  auto slash = self.rfind('/');
  if (slash != std::string::npos) {
    auto sibling = self.substr(0, slash + 1) + name;
    if (::access(sibling.c_str(), X_OK) == 0)
      return sibling;
  }
  return built;
}

server_process::server_process(const std::string& program,
                               std::vector<std::string> args,
                               const std::string& stderr_path) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  if (stderr_path.empty())
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                     O_WRONLY, 0);
  else
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
                                     stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(),
                    environ)
      != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string pending;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pid_ > 0 && port_ == 0 && std::chrono::steady_clock::now() < give_up) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0)
      continue;
    char buf[512];
    auto n = ::read(out[0], buf, sizeof(buf));
    if (n <= 0)
      break;
    pending.append(buf, static_cast<size_t>(n));
    size_t newline;
    while (port_ == 0 && (newline = pending.find('\n')) != std::string::npos) {
      port_ = port_in(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
  }
  // The server's later stdout lines are not needed, but the pipe stays
  // open while it runs: a line it prints later must not kill it (SIGPIPE).
  out_ = out[0];
}

server_process::~server_process() {
  if (out_ >= 0)
    ::close(out_);
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGTERM);
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

size_t server_process::resident_bytes() const {
  std::ifstream status{"/proc/" + std::to_string(pid_) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream in{line.substr(6)};
      size_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
  return 0;
}

double server_process::cpu_seconds() const {
  std::ifstream stat{"/proc/" + std::to_string(pid_) + "/stat"};
  std::string text;
  std::getline(stat, text);
  // The command name, field 2, may hold spaces: count fields after it.
  auto close = text.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream in{text.substr(close + 2)};
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3 to 13, then utime (14) and stime (15).
  for (int i = 3; i <= 13 && in >> field; ++i) {
  }
  in >> utime >> stime;
  return static_cast<double>(utime + stime)
         / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace pss::bench
