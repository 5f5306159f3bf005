#include "tls_figures.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "server_process.hpp"
#include "servers_under_test.hpp"
#include "tls_files.hpp"
#include "tls_load.hpp"

namespace pss::bench {

namespace {

// Each idle TLS session costs a full handshake to open (about a
// millisecond of both sides' CPU): the memory figure holds at most this
// many.
constexpr int max_idle_tls_sessions = 2000;

std::unique_ptr<server_process> start_tls_server(bool pss, const options& opts,
                                                 const tls_files& files) {
  if (pss)
    return start_pss_node("echo,port=0,max=20000,packet=0,tls-cert="
                              + files.cert() + ",tls-key=" + files.key(),
                          opts);
  return start_baseline({"--serve-tls-baseline", "0", "--tls-cert",
                         files.cert(), "--tls-key", files.key()},
                        opts);
}

// Measures every TLS figure of one server, a fresh process of its own.
uint64_t measure_tls(bool pss, const options& opts, const tls_files& files,
                     sample& out) {
  uint64_t errors = 0;
  auto server = start_tls_server(pss, opts, files);
  if (server->port() == 0) {
    std::cerr << "pss-bench: the " << (pss ? "pss tls" : "tls baseline")
              << " server did not start\n";
    return 1;
  }
  // Memory first, on a fresh process: resident bytes per idle session,
  // after one session has loaded what the first handshake needs.
  {
    int count = std::min(opts.idle_sessions, max_idle_tls_sessions);
    auto warm = open_tls_idle(server->port(), 1);
    close_tls_idle(warm);
    auto before = server->resident_bytes();
    auto idle = open_tls_idle(server->port(), count);
    auto after = server->resident_bytes();
    errors += idle.errors + warm.errors;
    close_tls_idle(idle);
    out["tls_idle_rss"]
        = (static_cast<double>(after) - static_cast<double>(before)) / count;
  }
  load_config cfg;
  cfg.port = server->port();
  cfg.seconds = opts.seconds;
  cfg.size = 64;
  cfg.connections = 64;
  double cpu = 0;
  auto rr = with_server_cpu(*server, cpu, [&] { return run_tls_rr(cfg); });
  out["tls_rr64"] = rr.rate;
  out["tls_rr64_cpu"] = cpu;
  errors += rr.errors;
  cfg.connections = 32;
  auto hs
      = with_server_cpu(*server, cpu, [&] { return run_tls_handshakes(cfg); });
  out["tls_handshakes"] = hs.rate;
  out["tls_handshake_cpu"] = cpu;
  // How busy each side was: a client near 100% bounds the rate.
  record_busy(out, "tls_handshakes", hs, cpu);
  errors += hs.errors;
  return errors;
}

std::vector<figure> make_tls_figures(const options& opts) {
  auto idle
      = std::to_string(std::min(opts.idle_sessions, max_idle_tls_sessions));
  std::vector<figure> figs;
  auto add = [&](std::string key, std::string label, std::string unit,
                 std::string target, bool higher) {
    figs.push_back(figure{std::move(key),
                          "io",
                          std::move(label),
                          std::move(unit),
                          std::move(target),
                          higher,
                          true,
                          {},
                          {},
                          {}});
  };
  add("tls_rr64", "TLS rr, 64 connections, requests/s", "req/s", ">= 0.90",
      true);
  add("tls_rr64_cpu", "TLS rr, 64 connections, server CPU per request, us",
      "us", "(lower)", false);
  add("tls_handshakes",
      "TLS handshakes/s, 32 concurrent (connect, handshake, one echo, close)",
      "handshakes/s", ">= 0.90", true);
  figs.back().busy_note = "TLS handshakes";
  add("tls_handshake_cpu", "TLS handshakes, server CPU per handshake, us", "us",
      "(lower)", false);
  add("tls_idle_rss",
      "resident memory per idle TLS session, " + idle + " sessions, bytes",
      "bytes", "(report)", false);
  return figs;
}

} // namespace

uint64_t run_tls_comparison(const options& opts, report& out) {
  tls_files files;
  if (!files.error().empty()) {
    std::cerr << "pss-bench: TLS figures: " << files.error() << '\n';
    return 1;
  }
  uint64_t errors = 0;
  std::vector<sample> baseline;
  std::vector<sample> pss;
  for (int round = 0; round < opts.rounds; ++round) {
    // Alternate who goes first, so that neither always meets a warmer or
    // busier machine.
    for (int i = 0; i < 2; ++i) {
      bool is_pss = (i + round) % 2 == 1;
      sample got;
      errors += measure_tls(is_pss, opts, files, got);
      (is_pss ? pss : baseline).push_back(std::move(got));
    }
    std::cerr << "round " << round + 1 << "/" << opts.rounds << " (TLS) done\n";
  }
  for (auto& fig : make_tls_figures(opts))
    add_figure(fig, baseline, pss, "0", out);
  return errors;
}

} // namespace pss::bench
