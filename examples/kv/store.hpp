#pragma once

#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace kv {

/// The store's data: one map shared by every session of the server.
struct store_state {
  /// Every key and its value.
  std::unordered_map<std::string, std::string> values;
  /// The actor's name in CAF's logs.
  static constexpr const char* name = "kv-store";
};

/// The store: an event-based stateful actor that owns the map, so that
/// sessions on any thread share it without a lock. It answers, one request
/// at a time:
///
///     (caf::put_atom, key, value)  -> caf::ok_atom
///     (caf::get_atom, key)         -> (bool found, std::string value)
///     (caf::delete_atom, key)      -> bool deleted
///
/// Spawn it with `sys.spawn<kv::store>()`. (A class rather than a function:
/// CAF 0.17 spawns a function without arguments through a null pointer,
/// which UBSan reports.)
class store : public caf::stateful_actor<store_state> {
public:
  using stateful_actor::stateful_actor;

  caf::behavior make_behavior() override;
};

} // namespace kv
