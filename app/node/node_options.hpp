#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/optional.hpp>
#include <caf/string_view.hpp>

#include "pss/control.hpp"
#include "pss/io_threads.hpp"
#include "pss/options.hpp"
#include "pss/spec_text.hpp"

namespace pss::node {

/// What pss-node was asked to do.
struct node_options {
  /// Where to publish the registry; unset with `--control off`.
  caf::optional<endpoint> control = endpoint{"127.0.0.1", 4242};
  /// Where to serve Prometheus metrics; unset: nowhere.
  caf::optional<endpoint> metrics;
  /// File holding the control endpoint's secret; empty: `PSS_SECRET`, or
  /// no secret.
  std::string secret_file;
  /// Limits of the control endpoint's door on peers in their handshake.
  control_options control_limits;
  /// The servers to start, in order.
  std::vector<server_spec> servers;
  /// I/O threads for sessions (`--io-threads`; 1: the control endpoint's).
  size_t io_threads = default_io_thread_count();
};

/// The server pss-node runs when given no `--server`.
constexpr const char* default_server_spec = "echo,port=9923,max=1024";

/// Parses a whole command line; `--help` output and parse errors are
/// returned as `help_requested` / the error, never printed here.
struct parse_result {
  /// The options, when the command line was valid.
  node_options options;
  /// Set when the user asked for `--help`: the text to print.
  std::string help;
  /// Set when the command line was invalid: one line naming the problem.
  std::string error;
};

/// Parses pss-node's command line and the config file it names with
/// `--config FILE` (the command line wins over the file).
parse_result parse_command_line(int argc, const char* const* argv);

} // namespace pss::node
