#pragma once

#include <cstdint>

namespace pss::bench {

/// The floor for any echo server on this machine: one thread, one epoll
/// set, non-blocking sockets, a fixed 16 KiB read buffer shared by all
/// connections, every byte written back at once (no framing needed: an
/// echo of a framed stream is the same framed stream). Listens on
/// 127.0.0.1:`port` (0: any), prints `listening PORT` on stdout, and runs
/// until SIGTERM. Returns the process exit status. With `threads` > 1,
/// that many such loops share the listener (EPOLLEXCLUSIVE: one woken per
/// connection), each serving the connections it accepted: the floor for
/// pss with several I/O threads.
int run_echo_baseline(uint16_t port, int threads = 1);

} // namespace pss::bench
