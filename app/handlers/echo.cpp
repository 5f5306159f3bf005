#include "handlers.hpp"

namespace pss::handlers {

handler echo() {
  handler result;
  result.summary = "sends every packet back";
  result.make_session = [](session& self) -> caf::behavior {
    return {
        [&self](const packet& pkt) { self.send(pkt); },
    };
  };
  return result;
}

} // namespace pss::handlers
