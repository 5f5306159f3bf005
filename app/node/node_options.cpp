#include "node_options.hpp"

#include "pss/spec_text.hpp"

#include <CLI/CLI.hpp>

namespace pss::node {

parse_result parse_command_line(int argc, const char* const* argv) {
  parse_result result;
  CLI::App app{"pss-node: runs managed TCP servers (proc_socket_server on "
               "CAF) and a control endpoint for pss-repl and other nodes."};
  app.name("pss-node");
  std::string control = "127.0.0.1:4242";
  std::vector<std::string> specs;
  app.add_option("--control", control,
                 "HOST:PORT of the control endpoint (port 0: any free "
                 "port), or 'off'")
      ->type_name("HOST:PORT|off")
      ->capture_default_str();
  std::string metrics;
  app.add_option("--metrics", metrics,
                 "serve every server's counters in the Prometheus text "
                 "format on HOST:PORT (GET /metrics; port 0: any free "
                 "port); default: off")
      ->type_name("HOST:PORT");
  app.add_option("--secret-file", result.options.secret_file,
                 "file holding the secret a control client must prove it "
                 "knows (HMAC challenge-response; the secret never crosses "
                 "the wire) "
                 "(mode 600, at least 16 characters; default: the "
                 "environment variable PSS_SECRET, else no secret). Needed "
                 "for a control endpoint beyond loopback")
      ->type_name("PATH");
  auto& limits = result.options.control_limits;
  app.add_option("--control-max-pending", limits.max_pending_handshakes,
                 "most control connections in their handshake at once; at "
                 "the limit a new one closes the oldest")
      ->type_name("N")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  int64_t handshake_ms = limits.handshake_timeout.count();
  app.add_option("--control-handshake-timeout", handshake_ms,
                 "milliseconds a control connection has to complete its "
                 "handshake before it is closed")
      ->type_name("MS")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--io-threads", result.options.io_threads,
                 "I/O threads that run sessions; with 2 or more, servers "
                 "accept and the control endpoint answers on a thread of "
                 "their own beside them (docs/io-threads.md); default: the "
                 "number of cores, at most 8")
      ->type_name("N")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--server", specs,
                 "start a server: HANDLER[,name=NAME][,port=P][,max=M]"
                 "[,packet=0|1|2|4|line][,packet-size=BYTES]"
                 "[,idle-timeout=MS][,runs-on=io|pool|thread][,bind=ADDR]; "
                 "repeatable; default: "
                     + std::string{default_server_spec})
      ->type_name("SPEC")
      ->allow_extra_args(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.help = app.help();
    return result;
  } catch (const CLI::ParseError& e) {
    result.error = e.what();
    return result;
  }
  limits.handshake_timeout = timeout_ms{handshake_ms};
  if (control == "off") {
    result.options.control = caf::none;
  } else {
    auto ep = parse_endpoint(control);
    if (!ep) {
      result.error = "--control: " + describe(ep.error());
      return result;
    }
    result.options.control = *ep;
  }
  if (!metrics.empty()) {
    auto ep = parse_endpoint(metrics);
    if (!ep) {
      result.error = "--metrics: " + describe(ep.error());
      return result;
    }
    result.options.metrics = *ep;
  }
  if (specs.empty())
    specs.emplace_back(default_server_spec);
  for (auto& text : specs) {
    auto spec = parse_server_spec(text);
    if (!spec) {
      result.error = "--server " + text + ": " + describe(spec.error());
      return result;
    }
    result.options.servers.push_back(std::move(*spec));
  }
  return result;
}

} // namespace pss::node
