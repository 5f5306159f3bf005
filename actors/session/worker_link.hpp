#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/io/broker.hpp>

#include "pss/atoms.hpp"

namespace pss {

/// The broker's end of a session whose handlers run on a worker actor
/// (modes `pool` and `thread`): packets go to the worker as messages, at
/// most a window of them (and of their bytes) unanswered, so that a fast
/// peer cannot fill the worker's mailbox; the rest wait here, in order,
/// while the broker stops reading. The worker returns credit for every
/// packet it took, together with its output.
class worker_link {
public:
  /// Packets the worker may have unanswered at once.
  static constexpr uint32_t window_packets = 64;
  /// Bytes of packets the worker may have unanswered at once (one packet
  /// larger than this still goes, alone).
  static constexpr size_t window_bytes = 256 * 1024;

  explicit worker_link(caf::actor worker) : worker_(std::move(worker)) {
    // nop
  }

  /// The worker actor.
  const caf::actor& worker() const {
    return worker_;
  }

  /// Passes one packet on, or keeps it until credit returns.
  void forward(caf::io::broker* self, const char* data, size_t size) {
    if (!holding() && has_credit(size)) {
      send_packet(self, std::string{data, size});
      return;
    }
    if (!held_)
      held_ = std::make_unique<std::deque<std::string>>();
    held_->emplace_back(data, size);
  }

  /// The worker took `packets` packets of `bytes` bytes: sends what waits.
  void returned(caf::io::broker* self, uint32_t packets, uint32_t bytes) {
    in_flight_ -= packets < in_flight_ ? packets : in_flight_;
    in_flight_bytes_ -= bytes < in_flight_bytes_ ? bytes : in_flight_bytes_;
    pump(self);
  }

  /// The TLS handshake ended: the worker learns the peer's subject and
  /// ALPN before any packet (one sender's messages keep their order).
  void tls_established(caf::io::broker* self, std::string subject,
                       std::string alpn) {
    self->send(worker_, tls_peer_atom::value, std::move(subject),
               std::move(alpn));
  }

  /// The peer sends nothing more: the worker hears it after the last
  /// packet.
  void end_of_input(caf::io::broker* self) {
    input_ended_ = true;
    pump(self);
  }

  /// Whether packets wait here for credit (reading pauses meanwhile).
  bool holding() const {
    return held_ && !held_->empty();
  }

private:
  bool has_credit(size_t size) const {
    return in_flight_ == 0
           || (in_flight_ < window_packets
               && in_flight_bytes_ + size <= window_bytes);
  }

  void send_packet(caf::io::broker* self, std::string data) {
    ++in_flight_;
    in_flight_bytes_ += data.size();
    self->send(worker_, input_atom::value, std::move(data));
  }

  void pump(caf::io::broker* self) {
    while (holding() && has_credit(held_->front().size())) {
      auto data = std::move(held_->front());
      held_->pop_front();
      send_packet(self, std::move(data));
    }
    if (input_ended_ && !holding() && !eof_sent_) {
      eof_sent_ = true;
      self->send(worker_, eof_atom::value);
    }
  }

  caf::actor worker_;
  /// Packets waiting for credit; made when the first has to wait (an empty
  /// std::deque already holds a 512-byte block: a fifth of a session).
  std::unique_ptr<std::deque<std::string>> held_;
  uint32_t in_flight_ = 0;
  size_t in_flight_bytes_ = 0;
  bool input_ended_ = false;
  bool eof_sent_ = false;
};

} // namespace pss
