#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "echo_baseline.hpp"
#include "load.hpp"
#include "server_process.hpp"
#include "stats.hpp"

using namespace pss::bench;
using json = nlohmann::ordered_json;

namespace {

struct options {
  std::string preset = "short";
  int rounds = 3;
  double seconds = 1.0;
  int idle_sessions = 2000;
  std::string packet = "0";
  bool json_output = false;
  std::string json_file;
  std::string sweep;
  std::string pss_node = PSS_NODE_BINARY;
  int serve_baseline = -1;
  bool no_pin = false;
};

/// One figure of the comparison, both servers, every round.
struct figure {
  std::string key;
  std::string label;
  std::string unit;
  std::string target;
  bool higher_is_better = true;
  std::vector<double> baseline;
  std::vector<double> pss;
};

std::string self_path() {
  char path[4096];
  auto n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "pss-bench";
}

// Both servers and the load run on this machine; 10,000 sessions need more
// descriptors than the usual soft limit on either side.
void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// With two or more cores, the load runs on core 0 and each server, every
// thread of it, on core 1: both servers get exactly one core, and neither
// fights the load generator for its core depending on where the scheduler
// happened to put it (the largest source of noise between rounds here).
bool pin_cores = false;

void pin_to(int core) {
  if (!pin_cores)
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  ::sched_setaffinity(0, sizeof(set), &set);
}

std::unique_ptr<server_process> start_server(bool pss, const options& opts,
                                             const std::string& packet) {
  // A spawned process inherits the affinity of the thread that spawns it.
  pin_to(1);
  std::unique_ptr<server_process> result;
  if (pss)
    result = std::make_unique<server_process>(
        opts.pss_node,
        std::vector<std::string>{"--control", "off", "--server",
                                 "echo,port=0,max=20000,packet=" + packet});
  else
    result = std::make_unique<server_process>(
        self_path(), std::vector<std::string>{"--serve-baseline", "0"});
  pin_to(0);
  return result;
}

std::string fmt(double x, int precision = 0) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(precision);
  out << x;
  return out.str();
}

// Runs every figure against one server; appends to `figs` (same order).
uint64_t measure(bool pss, const options& opts, const std::string& packet,
                 std::vector<figure>& figs) {
  uint64_t errors = 0;
  auto server = start_server(pss, opts, packet);
  if (server->port() == 0) {
    std::cerr << "pss-bench: the " << (pss ? "pss" : "baseline")
              << " server did not start\n";
    return 1;
  }
  size_t header = packet == "4" ? 4 : 0;
  auto add = [&](size_t index, double value) {
    (pss ? figs[index].pss : figs[index].baseline).push_back(value);
  };
  // Memory first, on a fresh process: resident bytes per idle session.
  {
    auto warm = open_idle(server->port(), 1, header);
    close_all(warm);
    auto before = server->resident_bytes();
    auto idle = open_idle(server->port(), opts.idle_sessions, header);
    auto after = server->resident_bytes();
    errors += idle.errors;
    close_all(idle);
    add(3, (static_cast<double>(after) - static_cast<double>(before))
               / opts.idle_sessions);
  }
  load_config cfg;
  cfg.port = server->port();
  cfg.seconds = opts.seconds;
  cfg.header = header;
  cfg.size = 64;
  cfg.connections = 64;
  auto rr = run_rr(cfg);
  add(0, rr.rate);
  cfg.connections = 32;
  auto crr = run_crr(cfg);
  add(1, crr.rate);
  cfg.connections = 1;
  auto one = run_rr(cfg);
  add(2, one.p50_us);
  cfg.connections = 4;
  cfg.size = 16 * 1024;
  auto stream = run_stream(cfg);
  add(4, stream.rate / (1024.0 * 1024.0));
  errors += rr.errors + crr.errors + one.errors + stream.errors;
  return errors;
}

std::vector<figure> make_figures(const options& opts) {
  std::vector<figure> figs(5);
  figs[0]
      = {"rr64", "rr, 64 connections, requests/s", "req/s", ">= 0.95", true, {},
         {}};
  figs[1] = {"crr32",  "crr, 32 concurrent, connections/s",
             "conn/s", ">= 0.95",
             true,     {},
             {}};
  figs[2] = {
      "rr1_p50", "rr, 1 connection, p50 latency, us", "us", "<= 1.0", false, {},
      {}};
  figs[3] = {"idle_rss",
             "resident memory per idle session, "
                 + std::to_string(opts.idle_sessions) + " sessions, bytes",
             "bytes",
             "<= 2560 B",
             false,
             {},
             {}};
  figs[4] = {"stream", "stream, 4 connections, 16 KiB messages, MiB/s",
             "MiB/s",  "(none)",
             true,     {},
             {}};
  return figs;
}

json run_sweep(const options& opts) {
  json points = json::array();
  std::istringstream in{opts.sweep};
  std::string item;
  std::vector<int> counts;
  while (std::getline(in, item, ','))
    counts.push_back(std::stoi(item));
  for (int conns : counts) {
    for (bool pss : {false, true}) {
      auto server = start_server(pss, opts, "0");
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

} // namespace

int main(int argc, char** argv) {
  options opts;
  CLI::App app{"pss-bench: pss's echo server against a bare epoll echo "
               "server, side by side, loopback only. Every load is bounded "
               "in time and stops by itself."};
  app.name("pss-bench");
  app.add_option("--preset", opts.preset,
                 "smoke (seconds, for tests), short (under a minute), full")
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
  app.add_flag("--json", opts.json_output, "print JSON instead of a table");
  app.add_option("--json-file", opts.json_file, "also write JSON to FILE");
  app.add_option("--sweep", opts.sweep,
                 "also measure rr at these connection counts, e.g. "
                 "1,10,100,1000");
  app.add_option("--pss-node", opts.pss_node, "the pss-node program")
      ->capture_default_str();
  app.add_flag("--no-pin", opts.no_pin,
               "let the OS place the load and the servers on any core");
  app.add_option("--serve-baseline", opts.serve_baseline,
                 "internal: run the epoll baseline server on PORT");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (opts.serve_baseline >= 0)
    return run_echo_baseline(static_cast<uint16_t>(opts.serve_baseline));
  if (opts.preset == "smoke") {
    opts.rounds = 1;
    opts.seconds = 0.3;
    opts.idle_sessions = 200;
  } else if (opts.preset == "full") {
    opts.rounds = 5;
    opts.seconds = 3.0;
    opts.idle_sessions = 10000;
  }
  // Explicit options win over the preset.
  app.parse(argc, argv);
  (void)rounds;
  (void)seconds;
  (void)idle;
  raise_fd_limit();
  pin_cores = !opts.no_pin && ::sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  pin_to(0);
  std::vector<std::string> packets;
  if (opts.packet == "both")
    packets = {"0", "4"};
  else
    packets = {opts.packet};
  uint64_t errors = 0;
  json results = json::array();
  std::string table;
  for (auto& packet : packets) {
    auto figs = make_figures(opts);
    for (int round = 0; round < opts.rounds; ++round) {
      // Alternate who goes first, so that neither always meets a warmer or
      // busier machine.
      bool pss_first = round % 2 == 1;
      errors += measure(pss_first, opts, packet, figs);
      errors += measure(!pss_first, opts, packet, figs);
      std::cerr << "round " << round + 1 << "/" << opts.rounds << " (packet "
                << packet << ") done\n";
    }
    for (auto& fig : figs) {
      auto base = median(fig.baseline);
      auto mine = median(fig.pss);
      // The ratio is the median of each round's ratio: the two servers of a
      // round ran seconds apart, so a noisy neighbour that slows one round
      // slows both of its figures, not just one side of the comparison.
      std::vector<double> round_ratios;
      for (size_t i = 0; i < fig.pss.size() && i < fig.baseline.size(); ++i)
        if (fig.baseline[i] != 0)
          round_ratios.push_back(fig.pss[i] / fig.baseline[i]);
      auto ratio = median(round_ratios);
      json entry;
      entry["figure"] = fig.key;
      entry["packet"] = packet;
      entry["label"] = fig.label;
      entry["unit"] = fig.unit;
      entry["baseline"] = base;
      entry["pss"] = mine;
      entry["ratio"] = ratio;
      entry["round_ratios"] = round_ratios;
      entry["target"] = fig.target;
      entry["baseline_rounds"] = fig.baseline;
      entry["pss_rounds"] = fig.pss;
      results.push_back(entry);
      char line[256];
      std::snprintf(line, sizeof(line), "%-58s %-6s %12s %12s %8s  %s\n",
                    fig.label.c_str(), packet.c_str(), fmt(base, 1).c_str(),
                    fmt(mine, 1).c_str(),
                    fig.key == "idle_rss" ? "-" : fmt(ratio, 2).c_str(),
                    fig.target.c_str());
      table += line;
    }
  }
  json out;
  out["preset"] = opts.preset;
  out["rounds"] = opts.rounds;
  out["seconds_per_run"] = opts.seconds;
  out["cores"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  out["pinned"] = pin_cores;
  out["results"] = results;
  if (!opts.sweep.empty())
    out["sweep"] = run_sweep(opts);
  out["errors"] = errors;
  if (!opts.json_file.empty())
    std::ofstream{opts.json_file} << out.dump(2) << '\n';
  if (opts.json_output) {
    std::cout << out.dump() << '\n';
  } else {
    char header[256];
    std::snprintf(header, sizeof(header), "%-58s %-6s %12s %12s %8s  %s\n",
                  "figure (medians of rounds)", "packet", "baseline", "pss",
                  "ratio", "target");
    std::cout << header << table << "errors: " << errors << '\n';
  }
  return errors == 0 ? 0 : 1;
}
