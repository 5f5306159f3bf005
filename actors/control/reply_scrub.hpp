#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include "pss/server_info.hpp"

/// What the control gate removes from a registry reply before it leaves the
/// node: every actor handle. CAF 0.17 puts each local actor whose handle is
/// serialized for another node into the node's actor registry, where any
/// peer of the node may message it by its (sequential, guessable) id, with
/// no credentials. So no handle may leave through a gate.
///
/// The gate relays every reply type of `registry_actor` and needs one
/// `scrub` per type; a reply type without one does not compile. A new reply
/// type is one line here: an empty `scrub` for a type without handles, or
/// one that clears its handles.
namespace pss {

/// Numbers and atoms carry no handles.
template <class T>
std::enable_if_t<std::is_arithmetic<T>::value> scrub(T&) {
  // nop
}

/// @copydoc scrub
template <caf::atom_value V>
void scrub(caf::atom_constant<V>&) {
  // nop
}

/// Text, `{Num, Max}`, totals and drain reports carry no handles.
inline void scrub(std::string&) {}
inline void scrub(status&) {}
inline void scrub(server_totals&) {}
inline void scrub(drain_report&) {}

/// Remote callers name servers by name or port, sessions by id.
inline void scrub(server_info& x) {
  x.server = nullptr;
}

inline void scrub(child_info& x) {
  x.session = nullptr;
}

/// Scrubs every element.
template <class T>
void scrub(std::vector<T>& xs) {
  for (auto& x : xs)
    scrub(x);
}

/// An error keeps its code and category; a context other than text (CAF
/// puts whole messages there, e.g. a reply the gate did not expect) is
/// replaced by its rendering, which names actors but carries no handles.
inline caf::error scrubbed_error(caf::error err) {
  auto& context = err.context();
  if (context.empty()
      || (context.size() == 1 && context.match_element<std::string>(0)))
    return err;
  return caf::error{err.code(), err.category(),
                    caf::make_message(to_string(context))};
}

} // namespace pss
