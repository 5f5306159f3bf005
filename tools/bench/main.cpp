#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "bench_options.hpp"
#include "comparison.hpp"
#include "cores.hpp"
#include "echo_baseline.hpp"
#include "load.hpp"
#include "server_process.hpp"
#include "servers_under_test.hpp"
#include "tls_baseline.hpp"
#include "tls_figures.hpp"

using namespace pss::bench;

namespace {

/// A server under test: the baseline, or pss-node's echo with its sessions
/// running on `mode` (io, pool or thread).
struct server_kind {
  bool pss = false;
  std::string mode = "io";
  std::string name() const {
    return pss ? "pss " + mode : "baseline";
  }
};

// Both servers and the load run on this machine; 10,000 sessions need more
// descriptors than the usual soft limit on either side.
void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::istringstream in{text};
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      items.push_back(item);
  return items;
}

std::unique_ptr<server_process> start_server(const server_kind& kind,
                                             const options& opts,
                                             const std::string& packet) {
  if (kind.pss) {
    auto spec = "echo,port=0,max=20000,packet=" + packet;
    // io is the default: left out, so that older pss-node builds (before
    // runs-on) can still be compared with --pss-node.
    if (kind.mode != "io")
      spec += ",runs-on=" + kind.mode;
    return start_pss_node(spec, opts);
  }
  return start_baseline({"--serve-baseline", "0", "--baseline-threads",
                         std::to_string(opts.baseline_threads)},
                        opts);
}

// Runs the figures of `kind` against a fresh server of that kind: every
// figure for the baseline and pss on io sessions, rr 64 and memory for
// the other modes.
uint64_t measure(const server_kind& kind, const options& opts,
                 const std::string& packet, sample& out) {
  uint64_t errors = 0;
  auto server = start_server(kind, opts, packet);
  if (server->port() == 0) {
    std::cerr << "pss-bench: the " << kind.name() << " server did not start\n";
    return 1;
  }
  size_t header = packet == "4" ? 4 : 0;
  // Memory first, on a fresh process: resident bytes per idle session.
  {
    auto warm = open_idle(server->port(), 1, header);
    close_all(warm);
    auto before = server->resident_bytes();
    auto idle = open_idle(server->port(), opts.idle_sessions, header);
    auto after = server->resident_bytes();
    errors += idle.errors + warm.errors;
    close_all(idle);
    out["idle_rss"] = (static_cast<double>(after) - static_cast<double>(before))
                      / opts.idle_sessions;
  }
  load_config cfg;
  cfg.port = server->port();
  cfg.seconds = opts.seconds;
  cfg.header = header;
  cfg.size = 64;
  cfg.connections = 64;
  double cpu = 0;
  auto rr = with_server_cpu(*server, cpu, [&] { return run_rr(cfg); });
  out["rr64"] = rr.rate;
  out["rr64_cpu"] = cpu;
  errors += rr.errors;
  if (kind.pss && kind.mode != "io")
    return errors;
  cfg.connections = 32;
  cfg.threads = opts.crr_threads;
  for (auto close :
       {load_config::close_mode::fin, load_config::close_mode::reset}) {
    cfg.close = close;
    std::string key
        = close == load_config::close_mode::fin ? "crr32_fin" : "crr32_rst";
    auto crr = with_server_cpu(*server, cpu, [&] { return run_crr(cfg); });
    out[key] = crr.rate;
    out[key + "_cpu"] = cpu;
    // How busy each side was: a client near 100% bounds the rate.
    record_busy(out, key, crr, cpu);
    errors += crr.errors;
  }
  cfg.connections = 1;
  auto one = run_rr(cfg);
  out["rr1_p50"] = one.p50_us;
  cfg.connections = 4;
  cfg.size = 16 * 1024;
  auto stream = run_stream(cfg);
  out["stream"] = stream.rate / (1024.0 * 1024.0);
  errors += one.errors + stream.errors;
  return errors;
}

std::vector<figure> make_figures(const options& opts,
                                 const std::vector<std::string>& modes) {
  auto idle = std::to_string(opts.idle_sessions);
  std::vector<figure> figs;
  auto add = [&](std::string key, std::string mode, std::string label,
                 std::string unit, std::string target, bool higher,
                 bool ratio = true) {
    figs.push_back(figure{std::move(key),
                          std::move(mode),
                          std::move(label),
                          std::move(unit),
                          std::move(target),
                          higher,
                          ratio,
                          {},
                          {},
                          {}});
  };
  add("rr64", "io", "rr, 64 connections, requests/s", "req/s", ">= 0.94", true);
  add("rr64_cpu", "io", "rr, 64 connections, server CPU per request, us", "us",
      "(lower)", false);
  add("crr32_fin", "io", "crr, 32 concurrent, FIN close, connections/s",
      "conn/s", ">= 0.95", true);
  figs.back().busy_note = "crr, FIN close";
  add("crr32_fin_cpu", "io", "crr, FIN close, server CPU per connection, us",
      "us", "<= 1.3", false);
  add("crr32_rst", "io", "crr, 32 concurrent, RST close, connections/s",
      "conn/s", "(none)", true);
  figs.back().busy_note = "crr, RST close";
  add("crr32_rst_cpu", "io", "crr, RST close, server CPU per connection, us",
      "us", "<= 1.3", false);
  add("rr1_p50", "io", "rr, 1 connection, p50 latency, us", "us", "<= 1.0",
      false);
  add("idle_rss", "io",
      "resident memory per idle session, " + idle + " sessions, bytes", "bytes",
      "<= 2400 B", false, false);
  add("stream", "io", "stream, 4 connections, 16 KiB messages, MiB/s", "MiB/s",
      "(none)", true);
  for (auto& mode : modes) {
    if (mode == "io")
      continue;
    add("rr64", mode, "rr, 64 connections, requests/s [" + mode + "]", "req/s",
        mode == "pool" ? ">= 0.60" : "(none)", true);
    add("rr64_cpu", mode,
        "rr, 64 connections, server CPU per request, us [" + mode + "]", "us",
        "(lower)", false);
    add("idle_rss", mode,
        "resident memory per idle session, bytes [" + mode + "]", "bytes",
        mode == "pool" ? "<= 4000 B" : "(none)", false, false);
  }
  return figs;
}

// The stall figure: pss-kv with sessions on `mode`, 4 connections doing
// 200 ms of CPU work per request, one doing cheap request/response.
json run_stall_mode(const options& opts, const std::string& mode,
                    uint64_t& errors) {
  json entry;
  entry["mode"] = mode;
  // The server may use every core here: the figure is about scheduling
  // (does heavy work elsewhere delay a cheap request?), not about speed.
  pin_to(-1);
  server_process server{opts.pss_kv,
                        {"--port", "0", "--runs-on", mode, "--max", "1000"}};
  pin_to(0);
  if (server.port() == 0) {
    std::cerr << "pss-bench: pss-kv (runs-on " << mode << ") did not start\n";
    ++errors;
    entry["error"] = "did not start";
    return entry;
  }
  stall_config cfg;
  cfg.port = server.port();
  cfg.seconds = opts.stall_seconds;
  auto res = run_stall(cfg);
  errors += res.errors;
  entry["slow_connections"] = cfg.slow_connections;
  entry["slow_ms"] = cfg.slow_ms;
  entry["requests"] = res.requests;
  entry["p50_us"] = res.p50_us;
  entry["p99_us"] = res.p99_us;
  entry["max_us"] = res.max_us;
  entry["slow_done"] = res.slow_done;
  entry["errors"] = res.errors;
  std::cerr << "stall " << mode << ": " << res.requests << " requests, p50 "
            << fmt(res.p50_us / 1000, 2) << " ms, p99 "
            << fmt(res.p99_us / 1000, 2) << " ms, " << res.slow_done
            << " slow jobs done\n";
  return entry;
}

json run_sweep(const options& opts) {
  json points = json::array();
  std::vector<int> counts;
  for (auto& item : split_list(opts.sweep))
    counts.push_back(std::stoi(item));
  for (int conns : counts) {
    for (bool pss : {false, true}) {
      auto server = start_server(server_kind{pss, "io"}, opts, "0");
      load_config cfg;
      cfg.port = server->port();
      cfg.seconds = opts.seconds;
      cfg.connections = conns;
      auto res = run_rr(cfg);
      json point;
      point["server"] = pss ? "pss" : "baseline";
      point["connections"] = conns;
      point["requests_per_s"] = res.rate;
      point["p50_us"] = res.p50_us;
      point["p99_us"] = res.p99_us;
      point["errors"] = res.errors;
      points.push_back(point);
      std::cerr << "sweep " << (pss ? "pss     " : "baseline") << " " << conns
                << " connections: " << fmt(res.rate) << " req/s, p50 "
                << fmt(res.p50_us, 1) << " us\n";
    }
  }
  return points;
}

// The plain figures: the baseline and pss in every mode of `modes`, in
// rounds, for each framing of `packets`. Returns the errors seen.
uint64_t run_plain_comparison(const options& opts,
                              const std::vector<std::string>& modes,
                              const std::vector<std::string>& packets,
                              report& out) {
  // The baseline and every pss mode, in a rotating order (see below).
  std::vector<server_kind> kinds{server_kind{false, "io"}};
  for (auto& mode : modes)
    kinds.push_back(server_kind{true, mode});
  uint64_t errors = 0;
  for (auto& packet : packets) {
    auto figs = make_figures(opts, modes);
    std::map<std::string, std::vector<sample>> samples;
    for (int round = 0; round < opts.rounds; ++round) {
      // Rotate who goes first, so that none always meets a warmer or
      // busier machine.
      for (size_t i = 0; i < kinds.size(); ++i) {
        auto& kind = kinds[(i + static_cast<size_t>(round)) % kinds.size()];
        sample got;
        errors += measure(kind, opts, packet, got);
        samples[kind.name()].push_back(std::move(got));
      }
      std::cerr << "round " << round + 1 << "/" << opts.rounds << " (packet "
                << packet << ") done\n";
    }
    for (auto& fig : figs)
      add_figure(fig, samples["baseline"],
                 samples[server_kind{true, fig.mode}.name()], packet, out);
  }
  return errors;
}

// The stall figure for every mode of --stall-modes: its JSON entries, and
// the lines of its table in `table`.
json run_stall_figures(const options& opts, std::string& table,
                       uint64_t& errors) {
  json stall = json::array();
  auto stall_modes = split_list(opts.stall_modes);
  // A build without pss-kv (the example not built) skips the figure; a
  // pss-kv that is there but does not start counts as an error.
  if (!stall_modes.empty() && ::access(opts.pss_kv.c_str(), X_OK) != 0) {
    std::cerr << "pss-bench: no pss-kv at " << opts.pss_kv
              << ": the stall figure is skipped\n";
    table = "  skipped: no pss-kv at " + opts.pss_kv + "\n";
    stall_modes.clear();
  }
  for (auto& mode : stall_modes) {
    auto entry = run_stall_mode(opts, mode, errors);
    if (entry.contains("p50_us")) {
      char line[256];
      std::snprintf(line, sizeof(line), "  %-7s %10s %10s %10s %9s %9s\n",
                    mode.c_str(),
                    fmt(entry["p50_us"].get<double>() / 1000, 2).c_str(),
                    fmt(entry["p99_us"].get<double>() / 1000, 2).c_str(),
                    fmt(entry["max_us"].get<double>() / 1000, 2).c_str(),
                    std::to_string(entry["requests"].get<uint64_t>()).c_str(),
                    std::to_string(entry["slow_done"].get<uint64_t>()).c_str());
      table += line;
    } else {
      table += "  " + mode + ": did not start\n";
    }
    stall.push_back(std::move(entry));
  }
  return stall;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"pss-bench: pss's echo server against a bare epoll echo "
               "server, side by side, plain and TLS, loopback only, and "
               "pss-kv's stall figure. Every load is bounded in time and "
               "stops by itself."};
  app.name("pss-bench");
  app.add_option("--preset", opts.preset,
                 "smoke (seconds, for tests), short (about a minute), full")
      ->check(CLI::IsMember({"smoke", "short", "full"}))
      ->capture_default_str();
  auto rounds = app.add_option("--rounds", opts.rounds, "alternating rounds");
  auto seconds
      = app.add_option("--seconds", opts.seconds, "seconds per load run");
  auto idle = app.add_option("--idle-sessions", opts.idle_sessions,
                             "sessions held for the memory figure");
  app.add_option("--packet", opts.packet, "framing: 0, 4 or both")
      ->check(CLI::IsMember({"0", "4", "both"}))
      ->capture_default_str();
  app.add_option("--modes", opts.modes,
                 "where pss's sessions run (runs-on), each measured against "
                 "the same baseline: io (all figures), pool and thread (rr 64, "
                 "memory); comma-separated, empty for none")
      ->capture_default_str();
  app.add_option("--stall-modes", opts.stall_modes,
                 "pss-kv's runs-on modes for the stall figure; empty: skip it")
      ->capture_default_str();
  auto stall_seconds = app.add_option("--stall-seconds", opts.stall_seconds,
                                      "seconds of the stall load per mode");
  app.add_option("--io-threads", opts.io_threads,
                 "pss-node's --io-threads (docs/io-threads.md); 0: not "
                 "passed (pss-node builds before the option)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app.add_option("--crr-threads", opts.crr_threads,
                 "client threads of the crr load (on the load's core)")
      ->capture_default_str();
  app.add_flag("--json", opts.json_output, "print JSON instead of a table");
  app.add_option("--json-file", opts.json_file, "also write JSON to FILE");
  app.add_option("--sweep", opts.sweep,
                 "also measure rr at these connection counts, e.g. "
                 "1,10,100,1000");
  app.add_option("--pss-node", opts.pss_node, "the pss-node program")
      ->capture_default_str();
  app.add_option("--pss-kv", opts.pss_kv, "the pss-kv program (stall figure)")
      ->capture_default_str();
  app.add_flag("--no-pin", opts.no_pin,
               "let the OS place the load and the servers on any core");
  app.add_option("--baseline-threads", opts.baseline_threads,
                 "threads of the epoll baseline, sharing its listener")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--tls", opts.tls,
                 "the TLS figures (pss with tls-cert/tls-key against an epoll "
                 "+ OpenSSL echo): on, off, or only (no plain figures, no "
                 "stall figure)")
      ->check(CLI::IsMember({"on", "off", "only"}))
      ->capture_default_str();
  app.add_option("--server-stderr", opts.server_stderr,
                 "append the servers' stderr to FILE (default: discarded)");
  app.add_option("--serve-baseline", opts.serve_baseline,
                 "internal: run the epoll baseline server on PORT");
  app.add_option("--serve-tls-baseline", opts.serve_tls_baseline,
                 "internal: run the epoll + OpenSSL baseline server on PORT "
                 "(with --tls-cert and --tls-key)");
  app.add_option("--tls-cert", opts.tls_cert,
                 "internal: the TLS baseline's certificate (PEM)");
  app.add_option("--tls-key", opts.tls_key,
                 "internal: the TLS baseline's key (PEM)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (opts.serve_baseline >= 0)
    return run_echo_baseline(static_cast<uint16_t>(opts.serve_baseline),
                             opts.baseline_threads);
  if (opts.serve_tls_baseline >= 0)
    return run_tls_baseline(static_cast<uint16_t>(opts.serve_tls_baseline),
                            opts.tls_cert, opts.tls_key);
  if (opts.preset == "smoke") {
    opts.rounds = 1;
    opts.seconds = 0.3;
    opts.idle_sessions = 200;
    opts.stall_seconds = 1.0;
  } else if (opts.preset == "full") {
    opts.rounds = 5;
    opts.seconds = 3.0;
    opts.idle_sessions = 10000;
    opts.stall_seconds = 5.0;
  }
  // Explicit options win over the preset.
  app.parse(argc, argv);
  (void)rounds;
  (void)seconds;
  (void)idle;
  (void)stall_seconds;
  raise_fd_limit();
  set_pinning(!opts.no_pin && ::sysconf(_SC_NPROCESSORS_ONLN) >= 2);
  pin_to(0);
  std::vector<std::string> packets;
  if (opts.packet == "both")
    packets = {"0", "4"};
  else
    packets = {opts.packet};
  auto modes = split_list(opts.modes);
  for (auto& mode : modes)
    if (mode != "io" && mode != "pool" && mode != "thread") {
      std::cerr << "pss-bench: --modes: unknown mode '" << mode << "'\n";
      return 2;
    }
  uint64_t errors = 0;
  report figures;
  if (opts.tls != "only")
    errors += run_plain_comparison(opts, modes, packets, figures);
  if (opts.tls != "off")
    errors += run_tls_comparison(opts, figures);
  std::string stall_table;
  json stall = json::array();
  if (opts.tls != "only")
    stall = run_stall_figures(opts, stall_table, errors);
  json out;
  out["preset"] = opts.preset;
  out["rounds"] = opts.rounds;
  out["seconds_per_run"] = opts.seconds;
  out["cores"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  out["pinned"] = pinning();
  out["crr_threads"] = opts.crr_threads;
  out["tls"] = opts.tls;
  out["results"] = figures.results;
  out["stall"] = stall;
  if (!opts.sweep.empty())
    out["sweep"] = run_sweep(opts);
  out["errors"] = errors;
  if (!opts.json_file.empty())
    std::ofstream{opts.json_file} << out.dump(2) << '\n';
  if (opts.json_output) {
    std::cout << out.dump() << '\n';
  } else {
    std::cout << table_header() << figures.table;
    if (!figures.notes.empty())
      std::cout << "connection loads, CPU time over wall time (near 100%: "
                   "that side bounded the rate; the CPU rows compare the "
                   "servers):\n"
                << figures.notes;
    if (!stall_table.empty())
      std::cout << "stall: pss-kv, 4 connections each asking SLOW 200 "
                   "(200 ms of CPU) in a loop, one asking GET:\n"
                << "  runs-on  GET p50 ms GET p99 ms GET max ms  requests "
                   "slow done\n"
                << stall_table;
    std::cout << "errors: " << errors << '\n';
  }
  return errors == 0 ? 0 : 1;
}
