#pragma once

namespace pss::bench {

/// With two or more cores, the load runs on core 0 and each server, every
/// thread of it, on core 1: both servers get exactly one core, and neither
/// fights the load generator for its core depending on where the scheduler
/// happened to put it (the largest source of noise between rounds here).
/// Off until `set_pinning(true)`.
void set_pinning(bool on);
bool pinning();

/// Pins the calling thread (and what it spawns from now on) to `core`;
/// -1: every core. Does nothing while pinning is off.
void pin_to(int core);

} // namespace pss::bench
