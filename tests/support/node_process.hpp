#pragma once

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "io_thread_count.hpp"

// Tests that include this header run the real pss-node; their target defines
// PSS_NODE_BINARY (see tests/CMakeLists.txt).
#ifndef PSS_NODE_BINARY
#error "node_process.hpp needs PSS_NODE_BINARY"
#endif

namespace pss::test {

/// A pss-node child process and what its stdout announced.
struct node_process {
  /// Runs pss-node with `args` (and the suite's `--io-threads`), in this
  /// environment plus `env`.
  explicit node_process(std::vector<std::string> args,
                        const std::map<std::string, std::string>& env = {},
                        stderr_kind err = stderr_kind::file)
      : proc(PSS_NODE_BINARY, with_io_threads(std::move(args)), env, err) {
    // nop
  }

  /// Runs pss-node through `launcher` (e.g. prlimit), which gets `args`
  /// (pss-node's last, followed by the suite's `--io-threads`).
  node_process(const std::string& launcher, std::vector<std::string> args)
      : proc(launcher, with_io_threads(std::move(args))) {
    // nop
  }

  /// `args` with the suite's `--io-threads` added, unless it has one.
  static std::vector<std::string>
  with_io_threads(std::vector<std::string> args) {
    for (auto& arg : args)
      if (arg.rfind("--io-threads", 0) == 0)
        return args;
    args.push_back(test_io_threads_option());
    return args;
  }

  /// Reads the `control` line; returns the port, 0 if none came.
  uint16_t read_control() {
    auto line = read_line_starting(proc, "control ");
    auto colon = line.rfind(':');
    return colon == std::string::npos
               ? 0
               : static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
  }

  /// Reads one `started` line into `servers`; returns the whole line.
  std::string read_started() {
    auto line = read_line_starting(proc, "started ");
    std::istringstream in{line};
    std::string word;
    std::string name;
    in >> word >> name;
    while (in >> word)
      if (word.rfind("port=", 0) == 0)
        servers[name] = static_cast<uint16_t>(std::stoi(word.substr(5)));
    return line;
  }

  child_process proc;
  std::map<std::string, uint16_t> servers;
};

} // namespace pss::test
