#pragma once

#include <string>

#include <nlohmann/json.hpp>

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

/// A failed result with `message` (JSON: `{"error": message}`).
result error_result(const std::string& message);

} // namespace pss::repl
