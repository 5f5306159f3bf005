#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench_options.hpp"
#include "server_process.hpp"

namespace pss::bench {

/// pss-node serving `spec` (its `--server` argument) without a control
/// endpoint, with the run's `--io-threads`, on the servers' core.
std::unique_ptr<server_process> start_pss_node(const std::string& spec,
                                               const options& opts);

/// This pss-bench serving a baseline (`args`: `--serve-baseline 0 ...`),
/// on the servers' core.
std::unique_ptr<server_process> start_baseline(std::vector<std::string> args,
                                               const options& opts);

} // namespace pss::bench
