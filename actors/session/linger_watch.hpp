#pragma once

#include <chrono>

#include <caf/actor_system.hpp>

namespace pss {

/// Resets the connection on socket `fd` now (SO_LINGER 0, then shutdown):
/// output still queued is dropped, the peer gets a TCP reset rather than a
/// FIN that would make a truncated reply look complete, and a write CAF has
/// pending on the socket fails, so that CAF releases the descriptor.
void reset_connection(int fd);

/// Makes sure that the connection on socket `fd`, whose session ended,
/// delivers the output queued for its peer and releases its descriptor
/// within `linger`. `drain_input`: the peer has not sent its FIN yet.
///
/// Why: CAF 0.17 ends a broker's connections gracefully. Its scribe writes
/// what is queued, then sends FIN and closes the descriptor; it never waits
/// for the peer's FIN. Two things break that. A peer that does not read
/// never lets the queue drain, and then the scribe (and the descriptor)
/// stay forever, owned by no actor, and even keep the middleman's I/O loop
/// (so `~actor_system`) from ending. And a peer still sending leaves input
/// unread when CAF closes: the kernel then resets the connection and drops
/// the replies it had not delivered yet. So the watch keeps the socket
/// open (a duplicate descriptor) and reads and discards its input until
/// the peer's FIN, while CAF writes, sends FIN and closes its own; once
/// both are done, or `linger` passed, it lets go (a reset if not done).
///
/// Call on the I/O thread while `fd` is known to be that connection's (its
/// scribe is alive): the watch identifies the socket by descriptor and
/// inode, so a descriptor number that CAF closed and the process reused for
/// another connection is never touched.
void watch_linger(caf::actor_system& sys, int fd,
                  std::chrono::milliseconds linger, bool drain_input);

} // namespace pss
