#pragma once

#include <string>

#include "server_process.hpp"

namespace pss::bench {

/// pss-bench's command line (main.cpp describes each option).
struct options {
  std::string preset = "short";
  int rounds = 3;
  double seconds = 1.0;
  int idle_sessions = 2000;
  std::string packet = "0";
  bool json_output = false;
  std::string json_file;
  std::string sweep;
  std::string pss_node = program_path("pss-node", PSS_NODE_BINARY);
  std::string pss_kv = program_path("pss-kv", PSS_KV_BINARY);
  std::string modes = "io,pool,thread";
  std::string stall_modes = "io,pool,thread";
  double stall_seconds = 3.0;
  int crr_threads = 1;
  /// pss-node's `--io-threads` (1: every session on the control endpoint's
  /// I/O thread, as in every earlier run; 0: not passed, for pss-node
  /// builds before the option).
  int io_threads = 1;
  int serve_baseline = -1;
  /// Threads of the epoll baseline (issue 14 compares N = 2 against a
  /// baseline of two threads as well).
  int baseline_threads = 1;
  bool no_pin = false;
  /// The TLS figures: on (after the plain ones), off, or only (neither the
  /// plain figures nor the stall figure).
  std::string tls = "on";
  int serve_tls_baseline = -1;
  std::string tls_cert;
  std::string tls_key;
  /// Where the servers' stderr goes (appended); empty: discarded.
  std::string server_stderr;
};

} // namespace pss::bench
