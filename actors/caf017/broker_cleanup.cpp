#include "caf017/broker_cleanup.hpp"

#include <caf/detail/sync_request_bouncer.hpp>

namespace pss {

void drain_mailbox_on_exit(caf::io::broker* self) {
  self->attach_functor(
      [self](const caf::error& reason) { drain_mailbox(self, reason); });
}

void drain_mailbox(caf::io::broker* self, const caf::error& reason) {
  auto& box = self->mailbox();
  if (box.closed())
    return;
  box.close();
  self->get_normal_queue().flush_cache();
  self->get_urgent_queue().flush_cache();
  caf::detail::sync_request_bouncer bounce{reason};
  while (box.queue().new_round(1000, bounce).consumed_items)
    ; // Each round drops up to 1000 messages.
}

} // namespace pss
