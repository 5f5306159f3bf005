#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/optional.hpp>
#include <caf/string_view.hpp>

#include "pss/options.hpp"

namespace pss::node {

/// A `HOST:PORT` endpoint.
struct endpoint {
  /// Host name or address.
  std::string host;
  /// Port; 0 lets the OS pick.
  uint16_t port = 0;
};

/// What pss-node was asked to do.
struct node_options {
  /// Where to publish the registry; unset with `--control off`.
  caf::optional<endpoint> control = endpoint{"127.0.0.1", 4242};
  /// The servers to start, in order.
  std::vector<server_spec> servers;
};

/// The server pss-node runs when given no `--server`.
constexpr const char* default_server_spec = "echo,port=9923,max=1024";

/// Parses `HANDLER[,name=NAME][,port=P][,max=M][,packet=0|1|2|4|line]
/// [,packet-size=BYTES][,idle-timeout=MS][,bind=ADDR]`. Unset fields take
/// their defaults: any free port, max 1024, the handler's framing.
caf::expected<server_spec> parse_server_spec(caf::string_view text);

/// Parses `HOST:PORT` (`[V6]:PORT` for IPv6 literals).
caf::expected<endpoint> parse_endpoint(caf::string_view text);

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

/// Parses pss-node's command line.
parse_result parse_command_line(int argc, const char* const* argv);

} // namespace pss::node
