#pragma once

/// \file
/// Session functions registered by name, to start servers by name.

#include <map>
#include <string>
#include <vector>

#include "pss/framing.hpp"
#include "pss/session.hpp"

namespace pss {

/// A session function registered under a name, so that a server can be
/// started by that name from another node, pss-node or pss-repl.
struct handler {
  /// What it does, one line, for help texts.
  std::string summary;
  /// The session function.
  session_function make_session;
  /// Framing it expects when the start request names none.
  packet_type default_packet = packet_type::raw;
};

/// Handlers by name; a registry starts servers from its table.
class handler_table {
public:
  /// Registers (or replaces) the handler `name`.
  void add(std::string name, handler h);

  /// The handler `name`, or null.
  const handler* find(const std::string& name) const;

  /// Every registered name, sorted.
  std::vector<std::string> names() const;

private:
  std::map<std::string, handler> handlers_;
};

} // namespace pss
