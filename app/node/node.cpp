#include "node.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "node_options.hpp"
#include "pss/config.hpp"
#include "pss/control.hpp"
#include "pss/io_threads.hpp"
#include "pss/log.hpp"
#include "pss/metrics.hpp"
#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"

namespace pss::node {

namespace {

/// Lines on stdout are an interface for scripts: one per event, written at
/// once so that a reader on a pipe sees them as they happen.
/// They are queued for a writer thread (print_line): a stdout nobody reads
/// must not hold the node up, at startup or at shutdown.
void print_event(const std::string& line) {
  print_line(line);
}

int startup_error(const std::string& what) {
  std::fprintf(stderr, "pss-node: %s\n", what.c_str());
  return exit_startup_failed;
}

// Signals are blocked in every thread (CAF's threads inherit the mask from
// the main thread) and taken synchronously by sigwait in the main thread.
sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int serve(caf::actor_system& sys, const io_threads& threads,
          const node_options& opts, const std::string& secret,
          handler_table handlers, const sigset_t& signals) {
  auto reg = spawn_registry(sys, std::move(handlers), threads);
  auto fail = [&](const std::string& what) {
    shutdown_registry(reg);
    return startup_error(what);
  };
  if (opts.control) {
    auto& ep = *opts.control;
    auto port = publish_control(sys, reg, ep.host, ep.port, secret,
                                opts.control_limits);
    if (!port)
      return fail("control endpoint " + ep.host + ":" + std::to_string(ep.port)
                  + ": " + sys.render(port.error()));
    print_event("control " + ep.host + ":" + std::to_string(*port));
  }
  if (opts.metrics) {
    auto& ep = *opts.metrics;
    auto info = start_metrics_server(reg, ep.host, ep.port);
    if (!info)
      return fail("metrics endpoint " + ep.host + ":" + std::to_string(ep.port)
                  + ": " + describe(info.error()));
    print_event("metrics " + ep.host + ":" + std::to_string(info->port));
  }
  for (auto& spec : opts.servers) {
    auto info = start_handler_server(reg, spec);
    if (!info)
      return fail("server " + spec.handler
                  + (spec.name.empty() ? "" : " (" + spec.name + ")") + ": "
                  + describe(info.error()));
    print_event("started " + info->name + " port=" + std::to_string(info->port)
                + " max=" + std::to_string(info->max)
                + " packet=" + to_string(info->packet));
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log(log_level::info, "pss-node",
      std::string{"received "}
          + (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
          + ": stopping every server");
  shutdown_registry(reg);
  return 0;
}

} // namespace

int run_node(int argc, const char* const* argv, handler_table handlers) {
  auto parsed = parse_command_line(argc, argv);
  if (!parsed.help.empty()) {
    std::cout << parsed.help;
    return 0;
  }
  if (!parsed.error.empty())
    return startup_error(parsed.error);
  for (auto& spec : parsed.options.servers)
    if (handlers.find(spec.handler) == nullptr)
      return startup_error("--server " + spec.handler + ": unknown handler '"
                           + spec.handler + "'");
  auto secret = load_secret(parsed.options.secret_file);
  if (!secret)
    return startup_error(describe(secret.error()));
  if (auto& ep = parsed.options.control;
      ep && secret->empty() && !is_loopback_host(ep->host))
    return startup_error("--control " + ep->host + ":"
                         + std::to_string(ep->port)
                         + " is not a loopback address: anyone who reaches it "
                           "could control this node; give a secret with "
                           "--secret-file FILE or PSS_SECRET");
  auto signals = termination_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  caf::actor_system_config cfg;
  configure(cfg);
  // CAF's own argument parsing is not used: pss-node's command line is ours.
  caf::actor_system sys{cfg};
  // Whoever reaches the control endpoint can make CAF print: to the log.
  auto caf_output = log_caf_output(sys);
  // Ends after the registry (serve shuts it down), before `sys`.
  io_threads threads{sys, parsed.options.io_threads};
  return serve(sys, threads, parsed.options, *secret, std::move(handlers),
               signals);
}

} // namespace pss::node
