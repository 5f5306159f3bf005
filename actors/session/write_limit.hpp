#pragma once

#include <algorithm>
#include <cstddef>

#include "pss/framing.hpp"
#include "pss/options.hpp"

namespace pss {

/// Bytes a session reads at most per read call (its read buffer's ceiling).
constexpr size_t max_read_size = 64 * 1024;

/// The largest packet a peer can make a session handle: the packet limit,
/// or for `raw` (where every read is a packet) one read at most.
inline size_t largest_packet(packet_type type, size_t packet_limit) {
  return type == packet_type::raw ? std::min(packet_limit, max_read_size)
                                  : packet_limit;
}

/// The unsent output above which a session ends with `send_buffer_full`.
///
/// Why the floor: output counts once it queues behind a write under way,
/// and a session stops reading once that queue passes the high water. By
/// then the queue may hold the reply to one largest packet, and with a
/// worker (whose window can hold one more packet) a second one. A limit
/// below that would drop a peer that reads, only slower than it sends,
/// for replies to packets the limits allow. So the limit is at least the
/// high water plus two largest packets (with their headers), whatever
/// `write_limit` says; the packet limit bounds it.
inline size_t effective_write_limit(const session_options& opts,
                                    packet_type type, size_t packet_limit) {
  size_t configured = opts.write_limit != 0
                          ? size_t{opts.write_limit}
                          : size_t{16} * opts.write_high_water;
  size_t two_replies
      = 2 * (largest_packet(type, packet_limit) + header_size(type));
  return std::max(configured, size_t{opts.write_high_water} + two_replies);
}

} // namespace pss
