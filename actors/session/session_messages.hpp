#pragma once

#include <string>

#include <caf/atom.hpp>
#include <caf/detail/invoke_result_visitor.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/unit.hpp>

#include "pss/atoms.hpp"
#include "session/session_core.hpp"

namespace pss {

/// Whether `xs` is the atom `what` alone.
inline bool is_atom(const caf::type_erased_tuple& xs, caf::atom_value what) {
  return xs.match_elements<caf::atom_value>()
         && xs.get_as<caf::atom_value>(0) == what;
}

/// Whether `xs` is `(what, std::string)`.
inline bool is_atom_and_string(const caf::type_erased_tuple& xs,
                               caf::atom_value what) {
  return xs.match_elements<caf::atom_value, std::string>()
         && xs.get_as<caf::atom_value>(0) == what;
}

/// Handles the messages every session understands, whichever actor runs
/// it: `(send_atom, payload)`, `close_atom` and the release of held
/// packets. Returns false for any other message.
inline bool handle_session_message(session_core& st,
                                   caf::detail::invoke_result_visitor& f,
                                   caf::type_erased_tuple& xs) {
  if (is_atom_and_string(xs, send_atom::value)) {
    if (auto err = st.send(xs.get_as<std::string>(1))) {
      f(err);
      return true;
    }
  } else if (is_atom(xs, release_atom::value)) {
    st.on_release();
  } else if (is_atom(xs, close_atom::value)) {
    st.close();
  } else {
    return false;
  }
  // Answered like a handler returning void (an empty message, to requests
  // only).
  f(caf::unit);
  return true;
}

} // namespace pss
