// libFuzzer target for pss-repl's command parser: whatever a person (or a
// script) types is parsed without crashing, and what parses is well formed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  auto cmd = pss::repl::parse_command(line);
  if (!cmd) {
    // Every refusal says something.
    if (pss::repl::usage_text(cmd.error()).empty())
      __builtin_trap();
    return 0;
  }
  if (line.size() > pss::repl::max_line_length)
    __builtin_trap();
  if (cmd->kind == pss::repl::command_kind::start
      && (cmd->spec.handler.empty() || cmd->spec.max < 1))
    __builtin_trap();
  if (cmd->kind == pss::repl::command_kind::set_max && cmd->max < 1)
    __builtin_trap();
  if (cmd->kind == pss::repl::command_kind::watch && cmd->interval
      && cmd->interval->count() < 100)
    __builtin_trap();
  return 0;
}
