#pragma once

#include <caf/behavior.hpp>

namespace pss {

class session_state;

/// The behavior of a session: pss's own handlers first (I/O events, the
/// idle check, `send_atom`, `close_atom`, settle and release messages,
/// the worker's output), then the
/// session's `user` handlers, whose results and timeout CAF handles as
/// usual.
///
/// Why not CAF's own `message_handler{...}.or_else(user)`: that builds,
/// per session, a behavior of seven match cases (about 330 bytes) and a
/// combinator. This one matches pss's messages in code and holds only the
/// state and the user's handlers: 64 bytes per session.
caf::behavior make_session_behavior(session_state& st, caf::behavior user);

} // namespace pss
