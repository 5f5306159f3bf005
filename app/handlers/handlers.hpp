#pragma once

/// \file
/// pss-node's built-in handlers (`echo`, `chat`). Installed as
/// `pss/builtin_handlers.hpp` (CMake target `pss::handlers`).

#include "pss/handlers.hpp"

/// pss-node's built-in session functions, also linked by tests and users.
namespace pss::handlers {

/// `echo`: sends every packet back as it came.
handler echo();

/// `chat`: line-framed; every line a session receives goes to every session
/// of the same server (itself included), through a CAF group: sessions are
/// actors that talk to each other by messages.
handler chat();

/// A table with every built-in handler under its name.
handler_table builtin();

} // namespace pss::handlers
