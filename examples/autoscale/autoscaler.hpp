#pragma once

#include <chrono>
#include <string>

#include <caf/stateful_actor.hpp>

#include <pss/registry.hpp>

#include "scale_rule.hpp"

namespace autoscale {

/// What to watch and how.
struct watch_settings {
  /// The server, by name (or port: a name of digits is a port).
  pss::server_ref server;
  /// The limits of its Max.
  scale_rule rule;
  /// Time between two looks at the server.
  std::chrono::milliseconds interval{1000};
  /// How long one request to the node may take.
  std::chrono::milliseconds timeout{2000};
  /// Requests in a row that may fail before the node counts as lost.
  int max_failures = 3;
};

/// The autoscaler's state between two looks.
struct watch_state {
  /// Whether the server was found once (its first status is printed).
  bool watching = false;
  /// Failed requests in a row.
  int failures = 0;
  /// The rule in force: its floor is set at the first look when unset.
  scale_rule rule;
};

/// An actor that asks `reg` for the server's `{Num, Max}` every
/// `settings.interval` and changes its Max by `settings.rule`, printing one
/// line per event on stdout:
///
///     watching NAME max=M num=N     the first look
///     raised NAME max=A->B num=N    Max raised (the server was full)
///     lowered NAME max=A->B num=N   Max lowered (slots were spare)
///     gone NAME                     the server stopped; the actor ends
///
/// It ends with `retrylater` when the server is not there at the first look,
/// with the registry's exit reason when the connection to the node ends, and
/// with the error of the last request when `max_failures` requests in a row
/// failed (the node does not answer).
caf::behavior autoscaler(caf::stateful_actor<watch_state>* self,
                         pss::registry_actor reg, watch_settings settings);

} // namespace autoscale
