#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "load.hpp"
#include "server_process.hpp"

namespace pss::bench {

using json = nlohmann::ordered_json;

/// What one measurement of one server gave: value by metric key.
using sample = std::map<std::string, double>;

/// One figure of the comparison: a metric of pss (sessions on `mode`)
/// against the same metric of the baseline, every round.
struct figure {
  std::string key;  // metric key (same for both servers)
  std::string mode; // pss's sessions: io, pool, thread
  std::string label;
  std::string unit;
  std::string target;
  bool higher_is_better = true;
  bool show_ratio = true;
  std::vector<double> baseline;
  std::vector<double> pss;
  /// Set for a connection load: how busy the client and the server were
  /// (samples `KEY_client_busy` and `KEY_server_busy`, CPU time over wall
  /// time) goes into the notes under this name.
  std::string busy_note;
};

/// Where the figures of a run go: JSON entries, table lines, notes.
struct report {
  json results = json::array();
  std::string table;
  std::string notes;
};

/// Adds `fig` to `out`: its medians over the rounds of `base` (the
/// baseline's samples) and `mine` (pss's), and the median of the
/// per-round ratios.
void add_figure(figure& fig, const std::vector<sample>& base,
                const std::vector<sample>& mine, const std::string& packet,
                report& out);

/// The table's header line.
std::string table_header();

/// `x` with `precision` decimals.
std::string fmt(double x, int precision = 0);

/// Runs `load` and sets `cpu_us` to the server CPU time it took,
/// microseconds per unit of its count.
template <class F>
load_result with_server_cpu(const server_process& server, double& cpu_us,
                            F&& load) {
  auto before = server.cpu_seconds();
  load_result res = load();
  auto used = server.cpu_seconds() - before;
  cpu_us = res.count > 0 ? used * 1e6 / static_cast<double>(res.count) : 0;
  return res;
}

/// Records in `out` how busy each side was during `res`, a load of
/// `cpu_us` server CPU per unit of its count, as `key_client_busy` and
/// `key_server_busy`.
void record_busy(sample& out, const std::string& key, const load_result& res,
                 double cpu_us);

} // namespace pss::bench
