#include "handlers.hpp"

namespace pss::handlers {

handler echo() {
  handler result;
  result.summary = "sends every packet back";
  result.make_session = [](session& self) -> caf::behavior {
    // Packets take the fast path; the session needs no other handlers.
    self.on_packet([&self](caf::string_view payload) { self.send(payload); });
    return {};
  };
  return result;
}

} // namespace pss::handlers
