// pss-autoscale: a remote controller. An actor in this process connects to
// a node's control endpoint (pss-node, pss-kv --control, or any program
// that publishes its registry), watches one server's {Num, Max} and changes
// its Max: one step up when the server is full, one step down when a step's
// worth of slots is spare, between a floor and a ceiling.
//
//     pss-autoscale --connect HOST:PORT --server NAME --ceiling N
//                   [--floor N] [--step N] [--interval MS]
//                   [--secret-file PATH]
//
// The secret comes from --secret-file, else from PSS_SECRET, as for
// pss-repl. stdout: one line per event (see autoscaler.hpp). Exit status:
// 0 when the server stopped or a signal (SIGINT, SIGTERM) came; 1 when the
// node was lost; 2 for bad arguments, a node that cannot be reached or
// refuses the secret, or a server that is not there.
//
// Everything it asks goes through the registry's typed requests
// (pss/requests.hpp), exactly as an actor on the node itself would ask.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <pss/config.hpp>
#include <pss/control.hpp>
#include <pss/errors.hpp>
#include <pss/spec_text.hpp>

#include "autoscaler.hpp"

namespace {

constexpr int exit_lost_node = 1;
constexpr int exit_bad_start = 2;

int fail(int status, const std::string& what) {
  std::fprintf(stderr, "pss-autoscale: %s\n", what.c_str());
  return status;
}

/// What the command line asks for.
struct options {
  pss::endpoint node;
  std::string secret_file;
  autoscale::watch_settings watch;
};

/// Parses the command line into `opts`; returns an exit status when the
/// program should end now (help, or an error already printed).
caf::optional<int> parse_options(int argc, char** argv, options& opts) {
  CLI::App app{"pss-autoscale: watches a server of a pss node and moves its "
               "Max between a floor and a ceiling."};
  app.name("pss-autoscale");
  std::string node;
  std::string server;
  auto& rule = opts.watch.rule;
  int64_t interval_ms = opts.watch.interval.count();
  app.add_option("--connect", node, "the node's control endpoint")
      ->type_name("HOST:PORT")
      ->required();
  app.add_option("--server", server, "the server to watch, by name or port")
      ->type_name("NAME")
      ->required();
  app.add_option("--ceiling", rule.ceiling, "Max never goes above this")
      ->check(CLI::PositiveNumber)
      ->required();
  app.add_option("--floor", rule.floor,
                 "Max never goes below this (default: the server's Max at "
                 "the start)")
      ->check(CLI::PositiveNumber);
  app.add_option("--step", rule.step, "sessions added or removed at a time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--interval", interval_ms,
                 "milliseconds between two looks at the server")
      ->type_name("MS")
      ->check(CLI::Range(int64_t{10}, int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--secret-file", opts.secret_file,
                 "file holding the node's secret (default: PSS_SECRET)")
      ->type_name("PATH");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(exit_bad_start, e.what());
  }
  auto ep = pss::parse_endpoint(node);
  if (!ep)
    return fail(exit_bad_start, "--connect: " + pss::describe(ep.error()));
  opts.node = *ep;
  if (rule.floor > rule.ceiling)
    return fail(exit_bad_start, "--floor is above --ceiling");
  opts.watch.server = pss::server_ref{server};
  opts.watch.interval = std::chrono::milliseconds{interval_ms};
  return caf::none;
}

/// Watches until the autoscaler ends or a signal comes; returns the exit
/// status.
int run(caf::actor_system& sys, const options& opts, const sigset_t& signals) {
  auto secret = pss::load_secret(opts.secret_file);
  if (!secret)
    return fail(exit_bad_start, pss::describe(secret.error()));
  auto reg = pss::connect_control(sys, opts.node.host, opts.node.port,
                                  *secret, opts.watch.timeout);
  if (!reg)
    return fail(exit_bad_start, opts.node.host + ":"
                                    + std::to_string(opts.node.port) + ": "
                                    + pss::describe(reg.error()));
  auto watcher = sys.spawn(autoscale::autoscaler, *reg, opts.watch);
  // A signal ends the autoscaler like any other exit; the main thread only
  // waits for its end, whatever the cause.
  std::atomic<bool> signalled{false};
  std::thread signal_waiter{[&signals, &signalled, watcher] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    signalled = true;
    caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
  }};
  caf::error reason;
  {
    caf::scoped_actor self{sys};
    self->monitor(watcher);
    self->receive([&](caf::down_msg& down) { reason = std::move(down.reason); });
  }
  // Wakes the waiter if no signal came: SIGTERM is blocked in every thread,
  // so it stays pending until that sigwait takes it.
  bool by_signal = signalled;
  kill(getpid(), SIGTERM);
  signal_waiter.join();
  if (!reason || by_signal)
    return 0;
  if (reason == pss::error::retrylater)
    return fail(exit_bad_start, "no server " + pss::to_string(opts.watch.server));
  return fail(exit_lost_node, "lost the node: " + pss::describe(reason));
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto status = parse_options(argc, argv, opts))
    return *status;
  // SIGINT and SIGTERM are blocked in every thread (CAF's threads inherit
  // the mask) and taken by the signal waiter in run().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  caf::actor_system_config cfg;
  pss::configure(cfg);
  caf::actor_system sys{cfg};
  return run(sys, opts, signals);
}
