#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "pss/handlers.hpp"
#include "pss/registry.hpp"

namespace pss {

/// The I/O threads a node's sessions run on (pss-node `--io-threads N`).
///
/// With 1 (the default of a registry without it) every session runs on the
/// I/O thread of the application's actor system, beside its servers and
/// control endpoint: pss's original shape. With N >= 2 it adds N actor
/// systems of sessions (one I/O thread each) beside the application's,
/// which keeps the servers (their one acceptor and count against Max) and
/// the control endpoint, so that a session blocking its thread stalls
/// neither. Give it to `spawn_registry`, and end it after
/// `shutdown_registry` (docs/io-threads.md).
class io_threads {
public:
  /// Starts `count` I/O threads for sessions beside `home`'s own (none for
  /// `count` <= 1: sessions then run on `home`'s thread).
  io_threads(caf::actor_system& home, size_t count);

  /// Ends every session left on the added threads and then the threads.
  ~io_threads();

  io_threads(const io_threads&) = delete;
  io_threads& operator=(const io_threads&) = delete;

  /// The I/O threads sessions run on (1: the home system's).
  size_t count() const;

  /// The session hosts, one per added thread (empty for 1 thread).
  const std::vector<caf::actor>& session_hosts() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Spawns a registry whose servers run their sessions on `threads` (see
/// `spawn_registry` in pss/registry.hpp). `threads` must outlive the
/// registry: end it after `shutdown_registry`.
registry_actor spawn_registry(caf::actor_system& sys, handler_table handlers,
                              const io_threads& threads);

/// The default number of I/O threads: the machine's cores, at most 8.
size_t default_io_thread_count();

} // namespace pss
