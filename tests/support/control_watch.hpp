#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "churn_load.hpp"
#include "pss/registry.hpp"

namespace pss::test {

/// What a control watch saw.
struct control_tally {
  /// Complete rounds of queries.
  uint64_t rounds = 0;
  /// The highest `Num` any answer carried.
  int32_t peak_num = 0;
  /// Queries that failed or answered out of bounds, with the first few.
  uint64_t failed = 0;
  std::vector<std::string> failures;
};

/// Queries a node's control endpoint round after round while a load runs
/// (the server list, then status and children of every target) and checks
/// every answer: `0 <= Num <= Max`, `Max` as started, at most `Max`
/// children, each a loopback peer.
class control_watch {
public:
  /// Starts watching `targets`, each started with `max`, through `reg`.
  control_watch(registry_actor reg, std::vector<churn_target> targets,
                int32_t max);
  control_watch(const control_watch&) = delete;
  control_watch& operator=(const control_watch&) = delete;
  ~control_watch();

  /// Stops watching; returns what was seen.
  control_tally stop();

private:
  void run();
  void check_round();
  void check_counts(const std::string& what, int32_t num, int32_t max);
  void failure(std::string why);

  registry_actor reg_;
  std::vector<churn_target> targets_;
  int32_t max_;
  control_tally tally_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace pss::test
