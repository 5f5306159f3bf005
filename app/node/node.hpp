#pragma once

/// \file
/// pss-node as a library, for programs that run a node with handlers of
/// their own. Installed as `pss/node.hpp` (CMake target `pss::node`).

#include "pss/handlers.hpp"

/// pss-node: its command line, control endpoint, servers and signals.
namespace pss::node {

/// Exit status for bad arguments, a port in use or anything else that keeps
/// the node from starting (nothing is left listening then).
constexpr int exit_startup_failed = 2;

/// pss-node's whole life: parses the command line, publishes the registry,
/// starts the servers, prints the stable event lines on stdout, and runs
/// until SIGINT or SIGTERM. Programs that add their own handlers call it from
/// their own main with their table.
int run_node(int argc, const char* const* argv, handler_table handlers);

} // namespace pss::node
