#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "node_link.hpp"

namespace pss::repl {

/// The outcome of one command, in both of the REPL's output forms.
struct result {
  /// False for retrylater, timeout and every other error.
  bool ok = true;
  /// What a person reads (may span lines, e.g. a table).
  std::string text;
  /// What a script reads: one JSON object.
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  /// Set by `quit`.
  bool quit = false;
};

/// Runs commands against the connected node.
class executor {
public:
  /// `default_timeout`: the `--timeout` for commands that name none.
  executor(node_link& link, std::chrono::milliseconds default_timeout);

  /// Runs `cmd` and describes what happened.
  result run(const command& cmd);

  /// Server names and ports of the node, for completion (short timeout,
  /// empty when the node does not answer).
  std::vector<std::string> server_names();

private:
  result servers();
  result status(const command& cmd);
  result children(const command& cmd);
  result port(const command& cmd);
  result start(const command& cmd);
  result stop(const command& cmd);
  result connect(const command& cmd);
  result failure(const caf::error& err);
  std::chrono::milliseconds timeout_of(const command& cmd) const;

  node_link& link_;
  std::chrono::milliseconds default_timeout_;
};

/// A failed result with `message` (JSON: `{"error": message}`).
result error_result(const std::string& message);

/// Why connecting to `address` failed, as the REPL shows it; for a refused
/// secret with a hint at where the secret comes from.
std::string connect_failure_text(const std::string& address,
                                 const caf::error& err);

/// The text of an error as the REPL shows it: the original's answers by
/// their bare names (`retrylater`, `timeout`, `already_started`), anything
/// else with its detail.
std::string error_text(const caf::error& err);

} // namespace pss::repl
