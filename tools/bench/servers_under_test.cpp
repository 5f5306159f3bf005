#include "servers_under_test.hpp"

#include "cores.hpp"

namespace pss::bench {

namespace {

std::unique_ptr<server_process>
start_on_server_core(const std::string& program, std::vector<std::string> args,
                     const options& opts) {
  // A spawned process inherits the affinity of the thread that spawns it.
  pin_to(1);
  auto result = std::make_unique<server_process>(program, std::move(args),
                                                 opts.server_stderr);
  pin_to(0);
  return result;
}

} // namespace

std::unique_ptr<server_process> start_pss_node(const std::string& spec,
                                               const options& opts) {
  std::vector<std::string> args{"--control", "off", "--server", spec};
  if (opts.io_threads > 0)
    args.push_back("--io-threads=" + std::to_string(opts.io_threads));
  return start_on_server_core(opts.pss_node, std::move(args), opts);
}

std::unique_ptr<server_process> start_baseline(std::vector<std::string> args,
                                               const options& opts) {
  return start_on_server_core(self_path(), std::move(args), opts);
}

} // namespace pss::bench
