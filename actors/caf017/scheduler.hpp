#pragma once

#include <caf/actor_system.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>

namespace pss::caf017 {

/// Marks an actor class whose instances tell the clock whether they ever
/// set a timeout (see `tracking_clock`). Set by the clock, read by it; both
/// happen on the actor's own turns.
struct timeout_tracked {
  bool timeouts_set = false;
};

/// CAF's clock, except that actors marked `timeout_tracked` that never set
/// a timeout are not cancelled when they end.
///
/// Why: CAF 0.17 ends every actor with `clock().cancel_timeouts(this)`,
/// which queues a cancel event under the clock thread's lock and wakes that
/// thread: for a session that lives one request (a connection per request)
/// about a third of the CPU the node spends on it, though nearly no session
/// ever sets a timeout. Everything else goes to CAF's own clock unchanged.
class tracking_clock final : public caf::detail::thread_safe_actor_clock {
public:
  explicit tracking_clock(caf::detail::thread_safe_actor_clock& real)
      : real_(real) {
    // nop
  }

  time_point now() const noexcept override;
  duration_type difference(caf::atom_value measurement, long units,
                           time_point t0,
                           time_point t1) const noexcept override;
  void set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                            caf::atom_value type, uint64_t id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self,
                         caf::atom_value type, uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self,
                           caf::message_id id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self,
                               caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self,
                              caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target,
                        caf::strong_actor_ptr sender,
                        caf::message content) override;
  void cancel_all() override;

private:
  caf::detail::thread_safe_actor_clock& real_;
};

/// Makes the actor system's scheduler: CAF's own choice by
/// `scheduler.policy` (stealing or sharing), with `tracking_clock` as its
/// clock and its workers keeping actors of other systems off their queues
/// (own_threads.hpp); CAF's testing scheduler as CAF makes it.
caf::actor_system::module* make_scheduler(caf::actor_system& sys);

} // namespace pss::caf017
