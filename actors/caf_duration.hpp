#pragma once

#include <caf/duration.hpp>

#include "pss/proc_socket_server.hpp"

namespace pss {

/// A pss timeout as CAF's request timeout (`infinity`: none).
inline caf::duration to_caf(timeout_ms timeout) {
  if (timeout == infinity)
    return caf::duration{caf::infinite};
  return caf::duration{timeout};
}

} // namespace pss
