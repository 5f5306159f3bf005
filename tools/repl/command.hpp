#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/optional.hpp>
#include <caf/string_view.hpp>

#include "pss/options.hpp"
#include "pss/server_ref.hpp"

namespace pss::repl {

/// What a line asks for.
enum class command_kind {
  /// An empty line: nothing to do.
  nothing,
  servers,
  status,
  children,
  port,
  start,
  stop,
  set_max,
  suspend,
  resume,
  drain,
  reload_tls,
  info,
  watch,
  connect,
  disconnect,
  nodes,
  help,
  quit,
};

/// One parsed command line.
struct command {
  command_kind kind = command_kind::nothing;
  /// The server, for every command that takes a REF, as typed: a name, a
  /// port, or either behind `NODE:` (the executor knows the nodes).
  std::string ref;
  /// Per-command timeout; unset means the REPL's `--timeout`.
  caf::optional<std::chrono::milliseconds> timeout;
  /// For start: what to start (handler, name, port, max, packet...).
  server_spec spec;
  /// For start: the node to start it on (`node=NODE`), when several are
  /// connected.
  std::string node;
  /// For set_max: the new limit.
  int32_t max = 0;
  /// For drain: how long sessions may take to end; for watch: the
  /// refresh interval.
  caf::optional<std::chrono::milliseconds> interval;
  /// For connect and disconnect: the endpoint, `HOST:PORT`.
  std::string host;
  uint16_t port = 0;
};

/// Longest line the REPL accepts; anything longer is refused unread.
constexpr size_t max_line_length = 4096;

/// Parses one line (a pure function: no I/O). Errors name the problem and,
/// for a known command, show its usage.
caf::expected<command> parse_command(caf::string_view line);

/// The message of a parse error, without its category: what a person needs
/// to fix the line.
std::string usage_text(const caf::error& err);

/// Every command name, for help and completion.
const std::vector<std::string>& command_names();

/// One line per command: its usage and what it does.
std::string help_text();

} // namespace pss::repl
