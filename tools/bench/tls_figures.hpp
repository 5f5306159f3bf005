#pragma once

#include <cstdint>

#include "bench_options.hpp"
#include "comparison.hpp"

namespace pss::bench {

/// The TLS part of the comparison (issue 15): pss-node's echo with
/// tls-cert and tls-key (sessions on io) against the epoll + OpenSSL
/// baseline (tls_baseline.hpp), both with the same fresh P-256 certificate,
/// in rounds like the plain figures: TLS rr 64, full handshakes per
/// second, server CPU for each, memory per idle TLS session. Adds the
/// figures to `out`; returns the errors seen.
uint64_t run_tls_comparison(const options& opts, report& out);

} // namespace pss::bench
