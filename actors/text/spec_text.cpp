#include "pss/spec_text.hpp"

#include <limits>

namespace pss {

namespace {

caf::error invalid(std::string what) {
  return caf::make_error(error::invalid_argument, std::move(what));
}

// Parses a whole decimal number within [min, max]; `what` names the field
// in the error.
caf::expected<uint64_t> parse_number(const std::string& text, uint64_t min,
                                     uint64_t max, const std::string& what) {
  if (text.empty() || text.size() > 19
      || text.find_first_not_of("0123456789") != std::string::npos)
    return invalid(what + " must be a whole number, not '" + text + "'");
  auto value = std::stoull(text);
  if (value < min || value > max)
    return invalid(what + " must be between " + std::to_string(min) + " and "
                   + std::to_string(max) + ", not " + text);
  return value;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    auto pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos)
      return parts;
    start = pos + 1;
  }
}

} // namespace

caf::expected<server_spec> parse_server_spec(caf::string_view view) {
  std::string text{view.begin(), view.end()};
  auto fields = split(text, ',');
  server_spec spec;
  spec.max = default_text_max;
  spec.handler = fields[0];
  if (spec.handler.empty() || spec.handler.find('=') != std::string::npos)
    return invalid("server spec '" + text + "' must start with a handler name");
  constexpr auto u32_max = std::numeric_limits<uint32_t>::max();
  for (size_t i = 1; i < fields.size(); ++i) {
    auto eq = fields[i].find('=');
    if (eq == std::string::npos)
      return invalid("'" + fields[i] + "' in server spec '" + text
                     + "' is not KEY=VALUE");
    auto key = fields[i].substr(0, eq);
    auto value = fields[i].substr(eq + 1);
    if (key == "name") {
      if (value.empty())
        return invalid("name must not be empty");
      spec.name = value;
    } else if (key == "port") {
      auto port = parse_number(value, 0, 65535, "port");
      if (!port)
        return port.error();
      spec.port = static_cast<uint16_t>(*port);
    } else if (key == "max") {
      auto max
          = parse_number(value, 1, std::numeric_limits<int32_t>::max(), "max");
      if (!max)
        return max.error();
      spec.max = static_cast<int32_t>(*max);
    } else if (key == "packet") {
      auto packet = parse_packet_type(value);
      if (!packet)
        return packet.error();
      spec.packet = *packet;
    } else if (key == "packet-size") {
      auto size = parse_number(value, 0, u32_max, "packet-size");
      if (!size)
        return size.error();
      spec.packet_size = static_cast<uint32_t>(*size);
    } else if (key == "idle-timeout") {
      auto ms = parse_number(value, 0, u32_max, "idle-timeout");
      if (!ms)
        return ms.error();
      spec.session.idle_timeout_ms = static_cast<uint32_t>(*ms);
    } else if (key == "runs-on") {
      auto mode = parse_run_mode(value);
      if (!mode)
        return mode.error();
      spec.session.runs_on = *mode;
    } else if (key == "bind") {
      spec.bind_address = value;
    } else if (key == "tls-cert") {
      spec.tls.cert = value;
    } else if (key == "tls-key") {
      spec.tls.key = value;
    } else if (key == "tls-ca") {
      spec.tls.ca = value;
    } else if (key == "tls-alpn") {
      // ':' between names: ',' separates the spec's fields.
      spec.tls.alpn = split(value, ':');
    } else if (key == "tls-handshake-timeout") {
      auto ms = parse_number(value, 1, u32_max, "tls-handshake-timeout");
      if (!ms)
        return ms.error();
      spec.tls.handshake_timeout_ms = static_cast<uint32_t>(*ms);
    } else {
      return invalid("unknown key '" + key + "' in server spec '" + text
                     + "' (known: name, port, max, packet, packet-size, "
                       "idle-timeout, runs-on, bind, tls-cert, tls-key, "
                       "tls-ca, tls-alpn, tls-handshake-timeout)");
    }
  }
  if (auto err = validate(spec))
    return err;
  return spec;
}

caf::expected<endpoint> parse_endpoint(caf::string_view view) {
  std::string text{view.begin(), view.end()};
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return invalid("endpoint '" + text + "' must be HOST:PORT");
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port = parse_number(text.substr(colon + 1), 0, 65535, "port");
  if (!port)
    return port.error();
  return endpoint{host, static_cast<uint16_t>(*port)};
}

} // namespace pss
