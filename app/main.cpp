#include "handlers.hpp"
#include "node.hpp"

// pss-node: the built-in handlers and the node's life. A program with
// handlers of its own looks the same with its own table.
int main(int argc, char** argv) {
  return pss::node::run_node(argc, argv, pss::handlers::builtin());
}
