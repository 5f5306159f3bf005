#pragma once

#include <string>
#include <vector>

#include "node_options.hpp"

namespace pss::test {

/// pss-node's parser on `pss-node ARGS...` (header-only: only the tests
/// that link pss_node include it).
inline pss::node::parse_result parse_node_args(std::vector<std::string> args) {
  std::vector<const char*> argv{"pss-node"};
  for (auto& arg : args)
    argv.push_back(arg.c_str());
  return pss::node::parse_command_line(static_cast<int>(argv.size()),
                                       argv.data());
}

} // namespace pss::test
