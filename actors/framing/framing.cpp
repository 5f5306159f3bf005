#include "pss/framing.hpp"

#include <algorithm>
#include <limits>

namespace pss {

std::string to_string(packet_type x) {
  switch (x) {
    case packet_type::raw:
      return "0";
    case packet_type::u8:
      return "1";
    case packet_type::u16:
      return "2";
    case packet_type::u32:
      return "4";
    case packet_type::line:
      return "line";
  }
  return "?";
}

caf::expected<packet_type> parse_packet_type(caf::string_view text) {
  if (text == "0" || text == "raw")
    return packet_type::raw;
  if (text == "1")
    return packet_type::u8;
  if (text == "2")
    return packet_type::u16;
  if (text == "4")
    return packet_type::u32;
  if (text == "line")
    return packet_type::line;
  return caf::make_error(error::invalid_argument,
                         "packet type must be 0, 1, 2, 4 or line, not '"
                             + std::string{text.begin(), text.end()} + "'");
}

size_t header_size(packet_type x) {
  switch (x) {
    case packet_type::u8:
      return 1;
    case packet_type::u16:
      return 2;
    case packet_type::u32:
      return 4;
    default:
      return 0;
  }
}

size_t max_payload(packet_type x) {
  switch (x) {
    case packet_type::u8:
      return std::numeric_limits<uint8_t>::max();
    case packet_type::u16:
      return std::numeric_limits<uint16_t>::max();
    case packet_type::u32:
      return std::numeric_limits<uint32_t>::max();
    default:
      return std::numeric_limits<size_t>::max();
  }
}

size_t effective_packet_limit(packet_type type, size_t packet_size) {
  auto framing_limit = std::min(max_payload(type), default_packet_size_limit);
  if (packet_size == 0)
    return framing_limit;
  return std::min(packet_size, max_payload(type));
}

caf::error append_frame(std::vector<char>& out, packet_type type,
                        const char* payload, size_t size) {
  if (size > max_payload(type))
    return caf::make_error(error::packet_too_large,
                           std::to_string(size) + " bytes do not fit packet "
                               + to_string(type));
  auto header = header_size(type);
  // Big-endian length, most significant byte first, as Erlang sends it.
  for (size_t i = header; i > 0; --i)
    out.push_back(static_cast<char>((size >> (8 * (i - 1))) & 0xFF));
  out.insert(out.end(), payload, payload + size);
  if (type == packet_type::line && (size == 0 || payload[size - 1] != '\n'))
    out.push_back('\n');
  return caf::none;
}

} // namespace pss
