#pragma once

#include <caf/error.hpp>
#include <caf/io/broker.hpp>

namespace pss {

/// Makes a broker empty its mailbox when it terminates. CAF 0.17's
/// `abstract_broker::cleanup` skips `scheduled_actor::cleanup`, so a broker's
/// mailbox is never closed: messages still queued (or sent later) stay, and
/// one the broker sent itself (a timer, a loop) holds a reference to the
/// broker, which then never frees its memory and buffers. This does for
/// brokers what CAF does for every other actor: close the mailbox, answer
/// pending requests with the exit reason, and drop the rest.
void drain_mailbox_on_exit(caf::io::broker* self);

/// Does the same at once, for a broker that has terminated with `reason`
/// (from its state's destructor: saves the exit hook, an allocation per
/// broker).
void drain_mailbox(caf::io::broker* self, const caf::error& reason);

} // namespace pss
