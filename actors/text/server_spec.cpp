#include "pss/options.hpp"

namespace pss {

std::string to_string(run_mode x) {
  switch (x) {
    case run_mode::io:
      return "io";
    case run_mode::pool:
      return "pool";
    case run_mode::thread:
      return "thread";
  }
  return "io";
}

caf::expected<run_mode> parse_run_mode(caf::string_view text) {
  for (auto mode : {run_mode::io, run_mode::pool, run_mode::thread})
    if (text == to_string(mode))
      return mode;
  return caf::make_error(error::invalid_argument,
                         "runs-on must be io, pool or thread, not '"
                             + std::string{text.begin(), text.end()} + "'");
}

std::string default_server_name(uint16_t port) {
  return "picoSocketServer_" + std::to_string(port);
}

caf::error validate(const server_spec& spec) {
  auto invalid = [](std::string what) {
    return caf::make_error(error::invalid_argument, std::move(what));
  };
  if (spec.max < 1)
    return invalid("max must be at least 1, not " + std::to_string(spec.max));
  auto packet = spec.packet ? *spec.packet : packet_type::raw;
  if (spec.packet_size > max_payload(packet))
    return invalid("packet-size " + std::to_string(spec.packet_size)
                   + " exceeds what packet " + to_string(packet)
                   + " can carry (" + std::to_string(max_payload(packet))
                   + ")");
  if (spec.session.read_buffer == 0)
    return invalid("read buffer must be at least 1 byte");
  if (spec.session.write_high_water == 0)
    return invalid("write high-water mark must be at least 1 byte");
  if (spec.session.write_limit != 0
      && spec.session.write_limit < spec.session.write_high_water)
    return invalid("write limit must not be below the high-water mark");
  auto& tls = spec.tls;
  if (tls.enabled() && (tls.cert.empty() || tls.key.empty()))
    return invalid("TLS needs both tls-cert and tls-key");
  if (!tls.enabled() && (!tls.ca.empty() || !tls.alpn.empty()))
    return invalid("tls-ca and tls-alpn need tls-cert and tls-key");
  for (auto& name : tls.alpn)
    if (name.empty() || name.size() > 255)
      return invalid("tls-alpn: a protocol name has 1 to 255 bytes");
  if (tls.handshake_timeout_ms == 0)
    return invalid("tls-handshake-timeout must be at least 1 ms");
  auto mode = static_cast<uint8_t>(spec.session.runs_on);
  if (mode > static_cast<uint8_t>(run_mode::thread))
    return invalid("runs-on " + std::to_string(mode) + " is not a mode");
  return caf::none;
}

} // namespace pss
