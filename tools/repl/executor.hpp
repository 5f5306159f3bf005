#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/optional.hpp>

#include "command.hpp"
#include "node_set.hpp"
#include "result.hpp"
#include "watch_view.hpp"

namespace pss::repl {

/// Runs commands against the connected nodes.
class executor {
public:
  /// `default_timeout`: the `--timeout` for commands that name none.
  executor(node_set& nodes, std::chrono::milliseconds default_timeout);

  /// Runs `cmd` and describes what happened (`watch`: its first refresh;
  /// see `watch_refresh`).
  result run(const command& cmd);

  /// One refresh of `watch` for `cmd`, updating `view`.
  result watch_refresh(const command& cmd, watch_view& view);

  /// Server names and ports of every node, for completion (short timeout,
  /// empty when no node answers).
  std::vector<std::string> server_names();

private:
  result servers();
  result nodes();
  result status(const target& at, const command& cmd);
  result children(const target& at, const command& cmd);
  result port(const target& at, const command& cmd);
  result start(const command& cmd);
  result stop(const command& cmd);
  result set_max(const target& at, const command& cmd);
  result suspend(const target& at, bool suspended);
  result reload_tls(const target& at);
  result drain(const target& at, const command& cmd);
  result info(const target& at, const command& cmd);
  result connect(const command& cmd);
  result failure(node_link& node, const caf::error& err);
  /// Resolves the command's REF into `at`; otherwise the result to show
  /// (no node has it, several do, or its node went away).
  caf::optional<result> unreachable(const command& cmd, target& at);
  std::chrono::milliseconds timeout_of(const command& cmd) const;

  node_set& nodes_;
  std::chrono::milliseconds default_timeout_;
};

/// Why connecting to `address` failed, as the REPL shows it; for a refused
/// secret with a hint at where the secret comes from.
std::string connect_failure_text(const std::string& address,
                                 const caf::error& err);

/// The text of an error in JSON output: the original's answers by their
/// bare names (`retrylater`, `timeout`, `already_started`), anything else
/// with its detail.
std::string error_text(const caf::error& err);

/// A failed result for `err`: its text with the detail (`retrylater: no
/// server nosuch`), its JSON as `error_text` says.
result error_result(const caf::error& err);

} // namespace pss::repl
