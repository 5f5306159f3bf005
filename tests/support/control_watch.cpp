#include "control_watch.hpp"

#include <algorithm>
#include <chrono>

#include "pss/proc_socket_server.hpp"

namespace pss::test {

namespace {

/// Generous: a node under churn (and under sanitizers) answers well within
/// this; a timeout means it stalled.
constexpr timeout_ms query_timeout{5000};

} // namespace

control_watch::control_watch(registry_actor reg,
                             std::vector<churn_target> targets, int32_t max)
    : reg_(std::move(reg)), targets_(std::move(targets)), max_(max) {
  thread_ = std::thread{[this] { run(); }};
}

control_watch::~control_watch() {
  stop();
}

control_tally control_watch::stop() {
  stopping_ = true;
  if (thread_.joinable())
    thread_.join();
  return tally_;
}

void control_watch::run() {
  while (!stopping_) {
    check_round();
    ++tally_.rounds;
    // Pacing, not synchronisation: a person or a monitor polls a node now
    // and then; a watcher that never paused would only measure itself.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void control_watch::check_round() {
  auto all = list_servers(reg_, query_timeout);
  if (!all)
    failure("list: " + describe(all.error()));
  else if (all->size() != targets_.size())
    failure("list: " + std::to_string(all->size()) + " servers");
  else
    for (auto& info : *all)
      check_counts("list " + info.name, info.num, info.max);
  for (auto& target : targets_) {
    auto st = server_status(reg_, target.name, query_timeout);
    if (!st)
      failure("status " + target.name + ": " + describe(st.error()));
    else
      check_counts("status " + target.name, st->num, st->max);
    auto kids = server_children(reg_, target.port, query_timeout);
    if (!kids) {
      failure("children " + target.name + ": " + describe(kids.error()));
      continue;
    }
    if (kids->size() > static_cast<size_t>(max_))
      failure("children " + target.name + ": " + std::to_string(kids->size()));
    for (auto& kid : *kids)
      if (kid.peer.rfind("127.0.0.1:", 0) != 0)
        failure("children " + target.name + ": peer " + kid.peer);
  }
}

void control_watch::check_counts(const std::string& what, int32_t num,
                                 int32_t max) {
  tally_.peak_num = std::max(tally_.peak_num, num);
  if (num < 0 || num > max || max != max_)
    failure(what + ": {" + std::to_string(num) + ", " + std::to_string(max)
            + "}");
}

void control_watch::failure(std::string why) {
  ++tally_.failed;
  if (tally_.failures.size() < 10)
    tally_.failures.push_back(std::move(why));
}

} // namespace pss::test
