#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace kv {

/// Asks a CPU worker for one job: `(slow_atom, milliseconds)` -> `ok_atom`.
using slow_atom = caf::atom_constant<caf::atom("kv_slow")>;

/// The longest `SLOW` a client may ask for.
constexpr uint32_t max_slow_ms = 60000;

/// Computes (busily, no sleep) until the calling thread has used `amount`
/// of CPU time, or until `cancel` turns true. Returns whether it finished.
bool burn_cpu(std::chrono::milliseconds amount,
              const std::atomic<bool>& cancel);

/// A CPU worker: an actor that answers each `(slow_atom, ms)` once it has
/// burnt `ms` milliseconds of CPU. Spawn it detached (a thread of its own):
/// a job then blocks only that thread. Jobs stop early when `cancel` turns
/// true (its session ended), so that nobody computes for a closed
/// connection.
caf::behavior cpu_worker(caf::event_based_actor* self,
                         std::shared_ptr<std::atomic<bool>> cancel);

} // namespace kv
