#include "caf017/own_threads.hpp"

#include <caf/scheduled_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace pss::caf017 {

caf::actor_system* foreign_home(caf::resumable* job,
                                caf::actor_system& here) noexcept {
  if (job->subtype() != caf::resumable::scheduled_actor)
    return nullptr;
  auto& home = static_cast<caf::scheduled_actor*>(job)->home_system();
  return &home == &here ? nullptr : &home;
}

void own_system_multiplexer::exec_later(caf::resumable* job) {
  if (auto home = foreign_home(job, system()))
    home->scheduler().enqueue(job);
  else
    default_multiplexer::exec_later(job);
}

} // namespace pss::caf017
