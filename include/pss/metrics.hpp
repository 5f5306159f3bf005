#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "pss/registry.hpp"
#include "pss/server_info.hpp"
#include "pss/session.hpp"

/// \file
/// Every server's counters in the Prometheus text format, served over HTTP
/// by a managed server of its own (so it is listed, limited and stopped
/// like any other).

namespace pss {

/// The name the metrics server registers under.
constexpr const char* metrics_server_name = "pss_metrics";

/// Renders the totals of `servers` in the Prometheus text exposition format
/// (version 0.0.4), one sample per server and metric, labelled with the
/// server's name and port.
std::string render_prometheus(const std::vector<server_totals>& servers);

/// A session function answering one HTTP request (`GET /metrics`) with the
/// totals of every server of `reg`, then closing (run it with `line`
/// framing).
session_function metrics_session(registry_actor reg);

/// Starts the metrics server `pss_metrics` on `host:port` (port 0: any free
/// one) in `reg`. It has no authentication: its counters are read-only,
/// but bind it where only your scrapers reach it.
caf::expected<server_info> start_metrics_server(const registry_actor& reg,
                                                const std::string& host,
                                                uint16_t port);

} // namespace pss
