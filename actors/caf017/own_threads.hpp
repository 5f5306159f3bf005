#pragma once

#include <caf/actor_system.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/resumable.hpp>

namespace pss::caf017 {

// Keeps every actor on its own actor system's threads.
//
// CAF 0.17 runs a woken actor on the waker's execution unit: a scheduler
// worker queues it in its own scheduler, a multiplexer hands it to its own
// system's scheduler. With several actor systems in one process (several
// I/O threads, docs/io-threads.md) an actor of system A that an actor of
// system B wakes then runs on B's threads. While both live that is only
// untidy; when B ends first, A's actor can sit in B's queue when B's
// scheduler stops (CAF then kills it), or run on B's thread past the end
// of its own system (a use after free). The two pieces below hand such an
// actor to its own system's scheduler instead: one check of the actor's
// home system per wake-up, nothing else changes.

/// The actor system `job` belongs to when it is an event-based actor of
/// another system than `here`, else null. Brokers always wake on their own
/// multiplexer (CAF's abstract_broker::enqueue), so only event-based actors
/// can arrive from another system.
caf::actor_system* foreign_home(caf::resumable* job,
                                caf::actor_system& here) noexcept;

/// CAF's scheduling `Policy`, except that a worker hands an actor of
/// another system to that system's scheduler instead of its own queue.
template <class Policy>
struct own_system_policy : Policy {
  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    if (auto home = foreign_home(job, self->system()))
      home->scheduler().enqueue(job);
    else
      Policy::internal_enqueue(self, job);
  }
};

/// CAF's multiplexer, except that it hands an actor it wakes to that
/// actor's own system's scheduler (CAF's hands every one to its own
/// system's). The middleman's backend: `pss::configure` loads the
/// middleman with it.
class own_system_multiplexer : public caf::io::network::default_multiplexer {
public:
  explicit own_system_multiplexer(caf::actor_system* sys)
      : default_multiplexer(sys) {
    // nop
  }

  void exec_later(caf::resumable* job) override;
};

} // namespace pss::caf017
