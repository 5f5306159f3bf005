#pragma once

#include <caf/scheduled_actor.hpp>

namespace pss::caf017 {

/// Whether `self` awaits a response (`request(...).await(...)`): CAF then
/// runs no handler but that response's, and skips every other message.
///
/// CAF 0.17 keeps the list of awaited responses protected and offers no
/// accessor; a derived class may name it. Read only, never changed here.
/// tests/caf017_test.cpp fails if CAF changes this under us.
inline bool awaits_response(caf::scheduled_actor* self) {
  struct access : caf::scheduled_actor {
    static bool awaits(caf::scheduled_actor* x) {
      return !(x->*(&access::awaited_responses_)).empty();
    }
  };
  return access::awaits(self);
}

} // namespace pss::caf017
