#include "caf017/scheduler.hpp"

#include "caf017/own_threads.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/policy/profiled.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/scheduler/profiled_coordinator.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace pss::caf017 {

namespace {

void mark(caf::abstract_actor* self) {
  if (auto tracked = dynamic_cast<timeout_tracked*>(self))
    tracked->timeouts_set = true;
}

// CAF's coordinator for `Policy`, presenting the tracking clock. CAF's own
// clock (the member the coordinator runs and stops) does all the work.
template <class Policy>
class tracking_coordinator final : public caf::scheduler::coordinator<Policy> {
public:
  using super = caf::scheduler::coordinator<Policy>;

  explicit tracking_coordinator(caf::actor_system& sys)
      : super(sys), tracking_(super::clock()) {
    // nop
  }

  caf::detail::thread_safe_actor_clock& clock() noexcept override {
    return tracking_;
  }

private:
  tracking_clock tracking_;
};

} // namespace

auto tracking_clock::now() const noexcept -> time_point {
  return real_.now();
}

auto tracking_clock::difference(caf::atom_value measurement, long units,
                                time_point t0, time_point t1) const noexcept
    -> duration_type {
  return real_.difference(measurement, units, t0, t1);
}

void tracking_clock::set_ordinary_timeout(time_point t,
                                          caf::abstract_actor* self,
                                          caf::atom_value type, uint64_t id) {
  mark(self);
  real_.set_ordinary_timeout(t, self, type, id);
}

void tracking_clock::set_multi_timeout(time_point t, caf::abstract_actor* self,
                                       caf::atom_value type, uint64_t id) {
  mark(self);
  real_.set_multi_timeout(t, self, type, id);
}

void tracking_clock::set_request_timeout(time_point t,
                                         caf::abstract_actor* self,
                                         caf::message_id id) {
  mark(self);
  real_.set_request_timeout(t, self, id);
}

void tracking_clock::cancel_ordinary_timeout(caf::abstract_actor* self,
                                             caf::atom_value type) {
  real_.cancel_ordinary_timeout(self, type);
}

void tracking_clock::cancel_request_timeout(caf::abstract_actor* self,
                                            caf::message_id id) {
  real_.cancel_request_timeout(self, id);
}

void tracking_clock::cancel_timeouts(caf::abstract_actor* self) {
  auto tracked = dynamic_cast<timeout_tracked*>(self);
  if (tracked != nullptr && !tracked->timeouts_set)
    return;
  real_.cancel_timeouts(self);
}

void tracking_clock::schedule_message(time_point t,
                                      caf::strong_actor_ptr receiver,
                                      caf::mailbox_element_ptr content) {
  real_.schedule_message(t, std::move(receiver), std::move(content));
}

void tracking_clock::schedule_message(time_point t, caf::group target,
                                      caf::strong_actor_ptr sender,
                                      caf::message content) {
  real_.schedule_message(t, std::move(target), std::move(sender),
                         std::move(content));
}

void tracking_clock::cancel_all() {
  real_.cancel_all();
}

caf::actor_system::module* make_scheduler(caf::actor_system& sys) {
  // The choice CAF's actor_system makes when no scheduler is given, each
  // policy keeping actors on their own system's threads (own_threads.hpp).
  using sharing = own_system_policy<caf::policy::work_sharing>;
  using stealing = own_system_policy<caf::policy::work_stealing>;
  auto& cfg = sys.config();
  auto policy = caf::get_or(cfg, "scheduler.policy", caf::atom("stealing"));
  auto profiled = caf::get_or(cfg, "scheduler.enable-profiling", false);
  if (policy == caf::atom("testing"))
    return new caf::scheduler::test_coordinator(sys);
  if (policy == caf::atom("sharing")) {
    if (profiled)
      return new caf::scheduler::profiled_coordinator<
          caf::policy::profiled<sharing>>(sys);
    return new tracking_coordinator<sharing>(sys);
  }
  if (profiled)
    return new caf::scheduler::profiled_coordinator<
        caf::policy::profiled<stealing>>(sys);
  return new tracking_coordinator<stealing>(sys);
}

} // namespace pss::caf017
