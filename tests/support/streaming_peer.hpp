#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "deadline.hpp"
#include "pss/framing.hpp"

namespace pss::test {

/// A peer of an echo server that pipelines packets of one framing without
/// pause (sizes from 1 byte to `max_payload`, the first one the largest)
/// and reads the echoes as they come: a client that still sends while its
/// session ends. Once it reads the end of the connection it stops sending
/// and closes. It checks that what came back is what it sent, in order.
class streaming_peer {
public:
  /// Connects to 127.0.0.1:`port`; check `connected()`.
  streaming_peer(uint16_t port, packet_type framing, size_t max_payload,
                 uint32_t seed);
  streaming_peer(const streaming_peer&) = delete;
  streaming_peer& operator=(const streaming_peer&) = delete;
  ~streaming_peer();

  /// Whether the connection was made.
  bool connected() const {
    return fd_ >= 0;
  }

  /// The events to poll for now (none once the connection ended).
  short wanted_events() const;

  /// Sends and reads what the socket allows now, without blocking.
  void pump();

  /// Whether the connection ended (the server's FIN, a reset or an error).
  bool ended() const {
    return ended_;
  }

  /// Whether it ended with the server's FIN (not a reset or an error).
  bool ended_by_fin() const {
    return fin_;
  }

  /// Whether everything read matched what was sent.
  bool echo_intact() const {
    return intact_;
  }

  /// Whether what was read ends at a packet boundary (no reply cut off).
  bool ends_whole() const;

  /// Whole packets echoed so far.
  size_t packets_echoed() const {
    return echoed_packets_;
  }

  /// The descriptor, for poll().
  int fd() const {
    return fd_;
  }

private:
  void queue_packet();
  void send_some();
  void read_some();
  void finish(bool fin);

  int fd_ = -1;
  packet_type framing_;
  size_t max_payload_;
  uint32_t rng_;
  /// Bytes queued for sending, from stream offset `echo_offset_`: echoed
  /// up to `echo_pos_`, sent up to `sent_pos_`.
  std::string unechoed_;
  uint64_t echo_offset_ = 0;
  size_t echo_pos_ = 0;
  size_t sent_pos_ = 0;
  /// Stream offsets where packets queued end, not yet echoed.
  std::deque<uint64_t> packet_ends_;
  /// Where the last packet echoed whole ends.
  uint64_t last_boundary_ = 0;
  size_t echoed_packets_ = 0;
  bool ended_ = false;
  bool fin_ = false;
  bool intact_ = true;
};

/// Pumps every peer until each has had `warm_packets` packets echoed (false
/// if the deadline passes first).
bool warm_up(std::vector<std::unique_ptr<streaming_peer>>& peers,
             size_t warm_packets,
             std::chrono::milliseconds deadline = default_deadline);

/// Pumps every peer until each connection ended (false if the deadline
/// passes first).
bool pump_to_end(std::vector<std::unique_ptr<streaming_peer>>& peers,
                 std::chrono::milliseconds deadline = default_deadline);

/// How a set of peers' connections ended.
struct peer_endings {
  /// Peers whose connection ended with FIN, every reply whole and intact.
  size_t clean = 0;
  /// Peers that got a reply cut off, a reset, or bytes they did not send.
  size_t cut = 0;
};

/// Counts how the peers' connections ended.
peer_endings
count_endings(const std::vector<std::unique_ptr<streaming_peer>>& peers);

} // namespace pss::test
