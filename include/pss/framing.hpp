#pragma once

/// \file
/// Packet types (Erlang's `{packet, N}`) and their limits.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/string_view.hpp>

#include "pss/errors.hpp"

namespace pss {

/// How packets are cut out of a TCP byte stream, as Erlang's `{packet, N}`.
enum class packet_type : uint8_t {
  /// No framing: every read is one packet (`{packet, 0}`).
  raw = 0,
  /// A 1-byte length header before every packet.
  u8 = 1,
  /// A 2-byte big-endian length header before every packet.
  u16 = 2,
  /// A 4-byte big-endian length header before every packet.
  u32 = 4,
  /// Newline-terminated packets; the newline is part of the packet.
  line = 10,
};

/// Largest packet accepted when the server sets no packet size (0): a bound
/// on what one hostile peer can make a session buffer.
constexpr size_t default_packet_size_limit = 64 * 1024 * 1024;

/// Returns the spelling used on command lines and in JSON: `0`, `1`, `2`,
/// `4` or `line`.
std::string to_string(packet_type x);

/// Parses `0`, `1`, `2`, `4` or `line` (also `raw`).
caf::expected<packet_type> parse_packet_type(caf::string_view text);

/// Length of the header that `x` puts before each packet (0 for raw and line).
size_t header_size(packet_type x);

/// Largest payload the framing `x` can carry in one packet.
size_t max_payload(packet_type x);

/// The packet limit a decoder enforces for `type` and a `PacketSize` of
/// `packet_size` (0: the framing's own maximum, capped at
/// `default_packet_size_limit`).
size_t effective_packet_limit(packet_type type, size_t packet_size);

/// Appends one framed packet (header and payload; for `line` a newline if
/// `payload` lacks one) to `out`. Fails with `packet_too_large` when the
/// payload does not fit the header, and leaves `out` untouched then.
caf::error append_frame(std::vector<char>& out, packet_type type,
                        const char* payload, size_t size);

} // namespace pss
