#pragma once

#include <chrono>

#include <caf/actor_system.hpp>

namespace pss {

/// Resets the connection on socket `fd` now (SO_LINGER 0, then shutdown):
/// output still queued is dropped, the peer gets a TCP reset rather than a
/// FIN that would make a truncated reply look complete, and a write CAF has
/// pending on the socket fails, so that CAF releases the descriptor.
void reset_connection(int fd);

/// Makes sure that the connection on socket `fd`, whose output CAF is still
/// writing after its session ended, releases its descriptor within `linger`.
///
/// Why: CAF 0.17 ends a broker's connections gracefully. Its scribe writes
/// what is queued, then sends FIN and closes the descriptor; it never waits
/// for the peer's FIN. But a peer that does not read never lets the queue
/// drain, and then the scribe (and the descriptor) stay forever, owned by
/// no actor, and even keep the middleman's I/O loop (so `~actor_system`)
/// from ending. A watch actor checks the socket until CAF released it or
/// `linger` passed, then resets it.
///
/// Call on the I/O thread while `fd` is known to be that connection's (its
/// scribe is alive): the watch identifies the socket by descriptor and
/// inode, so a descriptor number that CAF closed and the process reused for
/// another connection is never touched.
void watch_linger(caf::actor_system& sys, int fd,
                  std::chrono::milliseconds linger);

} // namespace pss
