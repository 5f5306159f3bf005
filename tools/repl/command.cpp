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
       "[idle-timeout=MS]",
       "start a server running a handler of the node"},
      {"stop", command_kind::stop, "stop REF",
       "stop a server and its sessions (always ok)"},
      {"connect", command_kind::connect, "connect HOST:PORT",
       "connect to a node's control endpoint"},
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

caf::expected<std::chrono::milliseconds> parse_timeout(const std::string& x) {
  if (x.empty() || x.size() > 9
      || x.find_first_not_of("0123456789") != std::string::npos)
    return caf::make_error(error::invalid_argument,
                           "timeout must be milliseconds, not '" + x + "'");
  return std::chrono::milliseconds{std::stoul(x)};
}

// Reuses pss-node's SPEC grammar so that both tools accept the same fields.
caf::expected<server_spec> parse_start(const std::vector<std::string>& words) {
  std::string spec_text = words[1];
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i].find(',') != std::string::npos)
      return caf::make_error(error::invalid_argument,
                             "'" + words[i] + "' must be one KEY=VALUE");
    spec_text += "," + words[i];
  }
  return parse_server_spec(spec_text);
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
  text += "  REF is a server name or a port number.\n";
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
    case command_kind::help:
    case command_kind::quit:
      if (args != 0)
        return usage_error(*info, "no arguments expected");
      break;
    case command_kind::status:
    case command_kind::children:
    case command_kind::port:
      if (args < 1 || args > 2)
        return usage_error(*info, "expected a server and maybe a timeout");
      cmd.ref = parse_server_ref(words[1]);
      if (args == 2) {
        auto timeout = parse_timeout(words[2]);
        if (!timeout)
          return usage_error(*info, describe(timeout.error()));
        cmd.timeout = *timeout;
      }
      break;
    case command_kind::stop:
      if (args != 1)
        return usage_error(*info, "expected one server");
      cmd.ref = parse_server_ref(words[1]);
      break;
    case command_kind::start: {
      if (args < 1)
        return usage_error(*info, "expected a handler");
      auto spec = parse_start(words);
      if (!spec)
        return usage_error(*info, describe(spec.error()));
      cmd.spec = std::move(*spec);
      break;
    }
    case command_kind::connect: {
      if (args != 1)
        return usage_error(*info, "expected HOST:PORT");
      auto ep = parse_endpoint(words[1]);
      if (!ep)
        return usage_error(*info, describe(ep.error()));
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
