#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "pss/framing.hpp"

namespace pss::test {

/// A server under load: where it listens and how it frames packets.
struct churn_target {
  std::string name;
  uint16_t port = 0;
  packet_type framing = packet_type::raw;
};

/// What a churn load did, added up over all of its clients.
struct churn_tally {
  /// Connections opened (each with its own token).
  uint64_t started = 0;
  /// Connections whose every packet came back exactly once, unchanged.
  uint64_t served = 0;
  /// Served connections that left in the middle of a length-prefixed
  /// packet: each must end its session with `truncated_frame`.
  uint64_t cut_off = 0;
  /// Connections that went wrong (connect, echo or close), with the first
  /// few reasons.
  uint64_t failed = 0;
  std::vector<std::string> failures;
};

/// Echo clients that connect, send a token of their own, check its exact
/// echo and leave, over and over, in every way a peer may use a connection
/// (several packets in one write, a byte at a time, half-closing, resetting,
/// closing mid-packet). `clients_per_target` threads per target, until
/// `length` has passed.
churn_tally run_churn(const std::vector<churn_target>& targets,
                      int clients_per_target, std::chrono::milliseconds length);

} // namespace pss::test
