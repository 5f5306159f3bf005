#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/string_view.hpp>

#include <pss/session.hpp>

namespace kv {

/// One request line, parsed.
struct command {
  /// What the line asks for; `invalid` for anything else.
  enum verb_type { set, get, del, slow, invalid } verb = invalid;
  /// The key of `SET`, `GET` and `DEL`.
  std::string key;
  /// The value of `SET`: the rest of the line after the key, spaces included.
  std::string value;
  /// The milliseconds of `SLOW`.
  uint32_t ms = 0;
  /// Why the line is `invalid`.
  std::string error;
};

/// Parses one line (its newline, and a `\r` before it, are ignored):
/// `SET key value`, `GET key`, `DEL key`, `SLOW ms` (at most `max_slow_ms`).
command parse_command(caf::string_view line);

/// pss-kv's session function: one per connection, on the session's own
/// actor. Every line gets exactly one reply line, in request order, however
/// the reply is computed. `store` is the store actor (store.hpp); `stopping`
/// turns true when the program stops, which cuts long computations short.
caf::behavior kv_session(pss::session& s, caf::actor store,
                         const std::atomic<bool>& stopping);

} // namespace kv
