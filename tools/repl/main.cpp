#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "command.hpp"
#include "executor.hpp"
#include "line_editor.hpp"
#include "node_set.hpp"
#include "pss/config.hpp"
#include "pss/control.hpp"
#include "pss/log.hpp"
#include "pss/spec_text.hpp"

using namespace pss;
using namespace pss::repl;

namespace {

/// Exit status of `-e` runs: every command succeeded, one failed, or the
/// REPL was misused (bad arguments, a malformed command, no node).
enum exit_status { all_ok = 0, command_failed = 1, bad_usage = 2 };

struct options {
  std::string connect = "127.0.0.1:4242";
  int timeout_ms = 5000;
  bool json = false;
  std::string secret_file;
  std::vector<std::string> commands;
};

void print(const result& res, bool json) {
  if (json)
    std::cout << res.json.dump() << '\n';
  else if (!res.text.empty())
    std::cout << res.text << '\n';
  std::cout.flush();
}

std::string history_path() {
  auto home = std::getenv("HOME");
  return home != nullptr ? std::string{home} + "/.pss_history" : std::string{};
}

// Keys reach the REPL one by one, unechoed, while it exists (on a
// terminal); the terminal's settings come back afterwards.
class key_mode {
public:
  key_mode() {
    if (::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    auto raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~key_mode() {
    if (active_)
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  key_mode(const key_mode&) = delete;
  key_mode& operator=(const key_mode&) = delete;

private:
  termios saved_{};
  bool active_ = false;
};

// Waits up to `ms` for a key (or the end of input); true if one came.
bool key_within(int ms) {
  pollfd pfd{STDIN_FILENO, POLLIN, 0};
  if (::poll(&pfd, 1, ms) <= 0)
    return false;
  char buf[64];
  // A key, or the end of input (nothing more will ever come): both stop.
  (void)::read(STDIN_FILENO, buf, sizeof(buf));
  return true;
}

// `watch`: refreshes until a key is pressed or input ends (so a script
// whose input is empty gets one refresh), or the server is gone.
exit_status run_watch(executor& exec, const command& cmd, bool json) {
  bool on_screen = !json && ::isatty(STDOUT_FILENO) != 0;
  auto interval = cmd.interval ? static_cast<int>(cmd.interval->count()) : 1000;
  key_mode keys;
  watch_view view;
  for (;;) {
    auto res = exec.watch_refresh(cmd, view);
    if (on_screen && res.ok)
      std::cout << "\x1b[H\x1b[2J" << res.text << "\n\n(refreshing every "
                << interval << " ms; press a key to stop)\n";
    else
      print(res, json);
    std::cout.flush();
    if (!res.ok)
      return command_failed;
    if (key_within(interval))
      return all_ok;
  }
}

// Runs one line; returns how it went for the exit status.
exit_status run_line(executor& exec, const std::string& line, bool json,
                     bool& quit) {
  auto cmd = parse_command(line);
  if (!cmd) {
    // A person reads `error: ...`; a script `{"error":"..."}` without the
    // prefix, as for every other error.
    auto res = error_result(usage_text(cmd.error()));
    res.text = "error: " + res.text;
    print(res, json);
    return bad_usage;
  }
  if (cmd->kind == command_kind::watch)
    return run_watch(exec, *cmd, json);
  auto res = exec.run(*cmd);
  quit = res.quit;
  print(res, json);
  return res.ok ? all_ok : command_failed;
}

int run_script(executor& exec, const options& opts) {
  auto worst = all_ok;
  for (auto& line : opts.commands) {
    bool quit = false;
    auto status = run_line(exec, line, opts.json, quit);
    worst = std::max(worst, status);
    if (quit)
      break;
  }
  return worst;
}

int run_interactive(executor& exec, const options& opts) {
  if (::isatty(STDIN_FILENO) == 0) {
    // Commands piped in: no prompt, no editing, one result per line.
    // The exit status means what it means with -e: scripts that pipe
    // commands learn that one failed.
    std::string line;
    bool quit = false;
    auto worst = all_ok;
    while (!quit && std::getline(std::cin, line))
      worst = std::max(worst, run_line(exec, line, opts.json, quit));
    return worst;
  }
  line_editor editor{"pss> ", history_path(),
                     [&exec](const std::string& line, bool first_word) {
                       if (first_word)
                         return command_names();
                       auto command = line.substr(0, line.find(' '));
                       if (command == "servers" || command == "nodes"
                           || command == "connect" || command == "start"
                           || command == "help" || command == "quit")
                         return std::vector<std::string>{};
                       return exec.server_names();
                     }};
  std::string line;
  bool quit = false;
  while (!quit && editor.read_line(line))
    run_line(exec, line, opts.json, quit);
  if (!quit)
    std::cout << '\n';
  return all_ok;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"pss-repl: inspect and control the managed servers of a "
               "pss-node through its control endpoint."};
  app.name("pss-repl");
  app.add_option("--connect", opts.connect, "control endpoint of the node")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  app.add_option("--timeout", opts.timeout_ms,
                 "default timeout of each request, in ms")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  app.add_option("--secret-file", opts.secret_file,
                 "file holding the secret of nodes that ask for one (mode "
                 "600; default: the environment variable PSS_SECRET)")
      ->type_name("PATH");
  app.add_flag("--json", opts.json, "print one JSON object per result");
  app.add_option("-e", opts.commands,
                 "run COMMAND, print its result, exit; repeatable")
      ->type_name("COMMAND")
      ->allow_extra_args(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help() << "\nCommands:\n" << help_text();
    return all_ok;
  } catch (const CLI::ParseError& e) {
    std::cerr << "pss-repl: " << e.what() << '\n';
    return bad_usage;
  }
  auto endpoint = parse_endpoint(opts.connect);
  if (!endpoint) {
    std::cerr << "pss-repl: --connect: " << describe(endpoint.error()) << '\n';
    return bad_usage;
  }
  auto secret = load_secret(opts.secret_file);
  if (!secret) {
    std::cerr << "pss-repl: " << describe(secret.error()) << '\n';
    return bad_usage;
  }
  // The REPL runs no servers; CAF's and pss's own logging stay quiet.
  set_log_sink(nullptr);
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  node_set nodes{sys, std::move(*secret)};
  executor exec{nodes, std::chrono::milliseconds(opts.timeout_ms)};
  auto first = nodes.connect(endpoint->host, endpoint->port,
                             std::chrono::milliseconds(opts.timeout_ms));
  if (!first) {
    auto message = connect_failure_text(opts.connect, first.error());
    if (!opts.commands.empty()) {
      if (opts.json)
        print(error_result(message), true);
      else
        std::cerr << "pss-repl: " << message << '\n';
      return bad_usage;
    }
    std::cerr << "pss-repl: " << message
              << " (connect HOST:PORT once a node runs)\n";
  }
  if (!opts.commands.empty())
    return run_script(exec, opts);
  return run_interactive(exec, opts);
}
