#include "pss/reply_slot.hpp"

namespace pss {

struct reply_slot::state {
  std::weak_ptr<detail::reply_sink> sink;
  uint64_t id = 0;
  bool done = false;

  ~state() {
    // A slot forgotten unfilled must not hold the replies behind it back.
    if (!done)
      if (auto ptr = sink.lock())
        ptr->release_reply(id);
  }
};

reply_slot::reply_slot(std::weak_ptr<detail::reply_sink> sink, uint64_t id)
    : state_(std::make_shared<state>()) {
  state_->sink = std::move(sink);
  state_->id = id;
}

caf::error reply_slot::send(caf::string_view payload) {
  if (!pending())
    return caf::none;
  state_->done = true;
  if (auto ptr = state_->sink.lock())
    return ptr->fill_reply(state_->id, payload);
  return caf::none;
}

void reply_slot::release() {
  if (!pending())
    return;
  state_->done = true;
  if (auto ptr = state_->sink.lock())
    ptr->release_reply(state_->id);
}

bool reply_slot::pending() const {
  return state_ != nullptr && !state_->done && !state_->sink.expired();
}

} // namespace pss
