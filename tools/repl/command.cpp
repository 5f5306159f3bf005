#include "command.hpp"

#include <sstream>

#include "pss/errors.hpp"
#include "pss/spec_text.hpp"

namespace pss::repl {

namespace {

struct command_info {
  const char* name;
  command_kind kind;
  const char* usage;
  const char* summary;
};

const std::vector<command_info>& commands() {
  static const std::vector<command_info> table{
      {"servers", command_kind::servers, "servers",
       "every server: name, port, num/max, packet"},
      {"status", command_kind::status, "status REF [TIMEOUT_MS]",
       "num/max of a server, or retrylater, or timeout"},
      {"children", command_kind::children, "children REF [TIMEOUT_MS]",
       "the sessions of a server: id, peer, age, bytes in/out"},
      {"port", command_kind::port, "port REF [TIMEOUT_MS]",
       "the port a server listens on"},
      {"start", command_kind::start,
       "start HANDLER [name=N] [port=P] [max=M] [packet=T] [packet-size=S] "
       "[idle-timeout=MS] [runs-on=io|pool|thread] [bind=ADDR] "
       "[tls-cert=PEM tls-key=PEM [tls-ca=PEM] [tls-alpn=NAME:NAME...] "
       "[tls-handshake-timeout=MS]]",
       "start a server running a handler of the node"},
      {"stop", command_kind::stop, "stop REF",
       "stop a server and its sessions (always ok)"},
      {"set_max", command_kind::set_max, "set_max REF N",
       "change a running server's limit of sessions"},
      {"suspend", command_kind::suspend, "suspend REF",
       "stop accepting; clients wait in the backlog"},
      {"resume", command_kind::resume, "resume REF",
       "accept again after suspend"},
      {"drain", command_kind::drain, "drain REF [TIMEOUT_MS]",
       "stop accepting, let sessions end (default 30000 ms), then stop"},
      {"reload_tls", command_kind::reload_tls, "reload_tls REF",
       "load a TLS server's files again: new handshakes use them"},
      {"info", command_kind::info, "info REF [TIMEOUT_MS]",
       "a server's totals since start: sessions, errors, bytes"},
      {"watch", command_kind::watch, "watch REF [INTERVAL_MS]",
       "a live view of a server, refreshed until a key is pressed"},
      {"connect", command_kind::connect, "connect HOST:PORT",
       "connect to one more node's control endpoint"},
      {"disconnect", command_kind::disconnect, "disconnect HOST:PORT",
       "forget a node"},
      {"nodes", command_kind::nodes, "nodes",
       "the nodes connected to, and whether each is up"},
      {"help", command_kind::help, "help", "this list"},
      {"quit", command_kind::quit, "quit", "leave (Ctrl-D too)"},
  };
  return table;
}

caf::error usage_error(const command_info& info, const std::string& what) {
  return caf::make_error(error::invalid_argument,
                         what + "; usage: " + info.usage);
}

std::vector<std::string> split_words(caf::string_view line) {
  std::istringstream in{std::string{line.begin(), line.end()}};
  std::vector<std::string> words;
  std::string word;
  while (in >> word)
    words.push_back(word);
  return words;
}

// A count of at most nine digits (so that it fits every integer used).
caf::optional<uint32_t> parse_count(const std::string& x) {
  if (x.empty() || x.size() > 9
      || x.find_first_not_of("0123456789") != std::string::npos)
    return caf::none;
  return static_cast<uint32_t>(std::stoul(x));
}

caf::expected<std::chrono::milliseconds> parse_ms(const std::string& what,
                                                  const std::string& x) {
  auto ms = parse_count(x);
  if (!ms)
    return caf::make_error(error::invalid_argument,
                           what + " must be milliseconds, not '" + x + "'");
  return std::chrono::milliseconds{*ms};
}

// Reuses pss-node's SPEC grammar so that both tools accept the same fields;
// `node=NODE` picks the node and is the REPL's own.
caf::error parse_start(const std::vector<std::string>& words, command& cmd) {
  std::string spec_text = words[1];
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i].find(',') != std::string::npos)
      return caf::make_error(error::invalid_argument,
                             "'" + words[i] + "' must be one KEY=VALUE");
    if (words[i].compare(0, 5, "node=") == 0) {
      cmd.node = words[i].substr(5);
      continue;
    }
    spec_text += "," + words[i];
  }
  auto spec = parse_server_spec(spec_text);
  if (!spec)
    return std::move(spec.error());
  cmd.spec = std::move(*spec);
  return caf::none;
}

} // namespace

std::string usage_text(const caf::error& err) {
  auto text = describe(err);
  auto prefix = to_string(error::invalid_argument) + ": ";
  if (text.compare(0, prefix.size(), prefix) == 0)
    text.erase(0, prefix.size());
  return text;
}

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (auto& info : commands())
      result.emplace_back(info.name);
    return result;
  }();
  return names;
}

std::string help_text() {
  std::string text;
  for (auto& info : commands()) {
    std::string usage = info.usage;
    if (usage.size() < 28)
      usage.resize(28, ' ');
    else
      usage += "\n" + std::string(28, ' ');
    text += "  " + usage + "  " + info.summary + "\n";
  }
  text += "  REF is a server name or a port number; NODE:REF picks the node "
          "when several are connected.\n";
  return text;
}

caf::expected<command> parse_command(caf::string_view line) {
  if (line.size() > max_line_length)
    return caf::make_error(error::invalid_argument,
                           "line too long (" + std::to_string(line.size())
                               + " characters, at most "
                               + std::to_string(max_line_length) + ")");
  auto words = split_words(line);
  command cmd;
  if (words.empty())
    return cmd;
  const command_info* info = nullptr;
  for (auto& candidate : commands())
    if (words[0] == candidate.name)
      info = &candidate;
  if (info == nullptr)
    return caf::make_error(error::invalid_argument,
                           "unknown command '" + words[0] + "' (try help)");
  cmd.kind = info->kind;
  auto args = words.size() - 1;
  switch (cmd.kind) {
    case command_kind::servers:
    case command_kind::nodes:
    case command_kind::help:
    case command_kind::quit:
      if (args != 0)
        return usage_error(*info, "no arguments expected");
      break;
    case command_kind::status:
    case command_kind::children:
    case command_kind::port:
    case command_kind::info:
      if (args < 1 || args > 2)
        return usage_error(*info, "expected a server and maybe a timeout");
      cmd.ref = words[1];
      if (args == 2) {
        auto timeout = parse_ms("timeout", words[2]);
        if (!timeout)
          return usage_error(*info, usage_text(timeout.error()));
        cmd.timeout = *timeout;
      }
      break;
    case command_kind::drain:
    case command_kind::watch:
      if (args < 1 || args > 2)
        return usage_error(*info, "expected a server and maybe milliseconds");
      cmd.ref = words[1];
      if (args == 2) {
        auto ms = parse_ms(
            cmd.kind == command_kind::drain ? "timeout" : "interval", words[2]);
        if (!ms)
          return usage_error(*info, usage_text(ms.error()));
        if (cmd.kind == command_kind::watch && ms->count() < 100)
          return usage_error(*info, "interval must be at least 100 ms");
        cmd.interval = *ms;
      }
      break;
    case command_kind::stop:
    case command_kind::suspend:
    case command_kind::resume:
    case command_kind::reload_tls:
      if (args != 1)
        return usage_error(*info, "expected one server");
      cmd.ref = words[1];
      break;
    case command_kind::set_max: {
      if (args != 2)
        return usage_error(*info, "expected a server and a limit");
      cmd.ref = words[1];
      auto max = parse_count(words[2]);
      if (!max || *max < 1)
        return usage_error(*info, "the limit must be a number of at least 1, "
                                  "not '"
                                      + words[2] + "'");
      cmd.max = static_cast<int32_t>(*max);
      break;
    }
    case command_kind::start: {
      if (args < 1)
        return usage_error(*info, "expected a handler");
      if (auto err = parse_start(words, cmd))
        return usage_error(*info, usage_text(err));
      break;
    }
    case command_kind::connect:
    case command_kind::disconnect: {
      if (args != 1)
        return usage_error(*info, "expected HOST:PORT");
      auto ep = parse_endpoint(words[1]);
      if (!ep)
        return usage_error(*info, usage_text(ep.error()));
      cmd.host = ep->host;
      cmd.port = ep->port;
      break;
    }
    case command_kind::nothing:
      break;
  }
  return cmd;
}

} // namespace pss::repl
