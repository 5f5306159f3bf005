// pss-kv: a line-based key-value server on pss, and the worked example of
// asynchronous work in a session (docs/sessions.md, "Asynchronous work in a
// session: pss-kv").
//
//     pss-kv [--port P] [--runs-on io|pool|thread] [--max N]
//            [--control HOST:PORT|off]
//
// Protocol, one line per request and one line per reply, in request order
// even when the client pipelines:
//
//     SET key value  -> OK
//     GET key        -> VALUE value | NONE
//     DEL key        -> DELETED | NONE
//     SLOW ms        -> SLOW, after ms milliseconds of CPU work (at most 60000)
//     anything else  -> ERROR reason
//
// stdout: `control HOST:PORT` (with --control) and `started kv port=P` once
// it listens. Bad arguments: one line on stderr, exit status 2. SIGINT or
// SIGTERM: stops, exit status 0.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <pss/config.hpp>
#include <pss/control.hpp>
#include <pss/errors.hpp>
#include <pss/proc_socket_server.hpp>
#include <pss/registry.hpp>
#include <pss/spec_text.hpp>

#include "kv_session.hpp"
#include "store.hpp"

namespace {

/// Exit status for bad arguments or a server that cannot start.
constexpr int exit_bad_start = 2;

/// What the command line asks for.
struct kv_options {
  uint16_t port = 7000;
  pss::run_mode runs_on = pss::run_mode::pool;
  int32_t max = 1024;
  /// Where to publish the registry, for pss-repl; unset: nowhere.
  caf::optional<pss::endpoint> control;
};

/// Set when a signal asks the program to stop: long computations end early.
std::atomic<bool> stopping{false};

int fail(const std::string& what) {
  std::string line = "pss-kv: " + what;
  for (auto& c : line)
    if (c == '\n')
      c = ' ';
  std::fprintf(stderr, "%s\n", line.c_str());
  return exit_bad_start;
}

// Lines on stdout are for scripts: flushed at once.
void print_event(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

/// Parses the command line into `opts`; returns an exit status when the
/// program should end now (help, or an error already printed).
caf::optional<int> parse_options(int argc, char** argv, kv_options& opts) {
  CLI::App app{"pss-kv: a line-based key-value server on pss "
               "(SET k v, GET k, DEL k, SLOW ms)."};
  app.name("pss-kv");
  std::string runs_on = "pool";
  std::string control = "off";
  app.add_option("--port", opts.port, "TCP port (0: any free port)")
      ->capture_default_str();
  app.add_option("--runs-on", runs_on,
                 "where sessions run: io (the I/O thread), pool (CAF's "
                 "scheduler) or thread (a thread per session)")
      ->type_name("io|pool|thread")
      ->capture_default_str();
  app.add_option("--max", opts.max, "most concurrent sessions")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--control", control,
                 "HOST:PORT of a control endpoint for pss-repl (port 0: "
                 "any free port; a secret comes from PSS_SECRET), or off")
      ->type_name("HOST:PORT|off")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(e.what());
  }
  auto mode = pss::parse_run_mode(runs_on);
  if (!mode)
    return fail("--runs-on: " + pss::describe(mode.error()));
  opts.runs_on = *mode;
  if (control != "off") {
    auto ep = pss::parse_endpoint(control);
    if (!ep)
      return fail("--control: " + pss::describe(ep.error()));
    opts.control = *ep;
  }
  return caf::none;
}

/// Runs the server until a signal comes; returns the exit status.
int serve(caf::actor_system& sys, const kv_options& opts,
          const sigset_t& signals) {
  // One store for every session; it lives as long as the program.
  auto store = sys.spawn<kv::store>();
  auto reg = pss::spawn_registry(sys);
  auto stop = [&] {
    stopping = true;
    pss::shutdown_registry(reg);
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  };
  if (opts.control) {
    auto secret = pss::load_secret("");
    if (!secret) {
      stop();
      return fail(pss::describe(secret.error()));
    }
    auto& ep = *opts.control;
    auto port = pss::publish_control(sys, reg, ep.host, ep.port, *secret);
    if (!port) {
      stop();
      return fail("--control " + ep.host + ":" + std::to_string(ep.port)
                  + ": " + pss::describe(port.error()));
    }
    print_event("control " + ep.host + ":" + std::to_string(*port));
  }
  pss::server_spec spec;
  spec.name = "kv";
  spec.port = opts.port;
  spec.max = opts.max;
  spec.packet = pss::packet_type::line;
  spec.packet_size = 64 * 1024; // longer lines end their session
  spec.session.runs_on = opts.runs_on;
  auto info = pss::start_raw_server(reg, spec, [store](pss::session& s) {
    return kv::kv_session(s, store, stopping);
  });
  if (!info) {
    stop();
    return fail("port " + std::to_string(opts.port) + ": "
                + pss::describe(info.error()));
  }
  print_event("started kv port=" + std::to_string(info->port));
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  stop();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  kv_options opts;
  if (auto status = parse_options(argc, argv, opts))
    return *status;
  // SIGINT and SIGTERM are blocked in every thread (CAF's threads inherit
  // the mask) and taken by sigwait in serve().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  caf::actor_system_config cfg;
  pss::configure(cfg);
  caf::actor_system sys{cfg};
  return serve(sys, opts, signals);
}
