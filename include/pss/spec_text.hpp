#pragma once

#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/string_view.hpp>

#include "pss/options.hpp"

/// \file
/// The text forms of servers and endpoints that pss-node's command line and
/// pss-repl's `start` and `connect` share.

namespace pss {

/// A `HOST:PORT` endpoint.
struct endpoint {
  /// Host name or address.
  std::string host;
  /// Port; 0 lets the OS pick.
  uint16_t port = 0;
};

/// Sessions a server started from text allows when the text names no max.
constexpr int32_t default_text_max = 1024;

/// Parses a server's text form, one word without spaces:
///
///     HANDLER[,name=NAME][,port=P][,max=M][,packet=0|1|2|4|line]
///       [,packet-size=BYTES][,idle-timeout=MS][,runs-on=io|pool|thread]
///       [,bind=ADDR]
///
/// Unset fields take their defaults: any free port, `default_text_max`, the
/// handler's framing, every interface. Errors are `invalid_argument` naming
/// the field.
caf::expected<server_spec> parse_server_spec(caf::string_view text);

/// Parses `HOST:PORT` (`[V6]:PORT` for IPv6 literals).
caf::expected<endpoint> parse_endpoint(caf::string_view text);

} // namespace pss
