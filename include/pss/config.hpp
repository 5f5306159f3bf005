#pragma once

/// \file
/// `pss::configure`: prepares an actor system for pss.

#include <caf/actor_system_config.hpp>

namespace pss {

/// Prepares an actor system for pss: loads CAF's middleman (brokers and
/// remote actors need it), announces every message type that crosses the
/// network, and registers the `pss` error category so that
/// `sys.render(err)` prints names such as `retrylater`. Call it once on a
/// config before constructing the `caf::actor_system`.
void configure(caf::actor_system_config& cfg);

} // namespace pss
