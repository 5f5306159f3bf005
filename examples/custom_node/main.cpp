// pss-custom-node: pss-node with handlers of its own.
//
// Everything pss-node does (command line, control endpoint, metrics,
// signals, the `started` lines) comes from `pss::node::run_node`; this
// program only hands it a bigger handler table. Servers of the new handlers
// start like any other, from the command line or from pss-repl:
//
//     pss-custom-node --server upper,port=7100 --server sum,port=7101
//     pss-repl> start sum name=totals port=7102
//
// Handlers added here (both line-framed unless the spec says otherwise):
//
//     upper  answers every line in capital letters
//     sum    answers every line holding an integer with the running total of
//            the numbers the session received; anything else: `error: ...`
//
// The built-in handlers (echo, chat) stay available.

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include <pss/builtin_handlers.hpp>
#include <pss/node.hpp>

namespace {

/// `upper`: a session without state. The behavior's handler runs once per
/// packet; a line packet ends with its newline, which stays as it is.
pss::handler upper() {
  pss::handler h;
  h.summary = "answers every line in capital letters";
  h.default_packet = pss::packet_type::line;
  h.make_session = [](pss::session& self) -> caf::behavior {
    return {[&self](const pss::packet& pkt) {
      auto text = pkt.data;
      for (auto& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      self.send(text);
    }};
  };
  return h;
}

/// A line packet's text without its line end (`\n` or `\r\n`).
std::string line_text(const pss::packet& pkt) {
  auto text = pkt.data;
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  if (!text.empty() && text.back() == '\r')
    text.pop_back();
  return text;
}

/// Reads a whole line as a signed 64-bit integer.
bool parse_integer(const std::string& text, long long& value) {
  if (text.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

/// `sum`: a session with state. The session function runs once per
/// connection, so state captured by the behavior belongs to that one peer
/// and lives as long as its session.
pss::handler sum() {
  pss::handler h;
  h.summary = "answers every integer line with the session's running total";
  h.default_packet = pss::packet_type::line;
  h.make_session = [](pss::session& self) -> caf::behavior {
    return {[&self, total = 0LL](const pss::packet& pkt) mutable {
      // A line mode session sends each reply as one line: the newline is
      // added when missing.
      auto text = line_text(pkt);
      long long value = 0;
      if (!parse_integer(text, value)) {
        self.send("error: not an integer: " + text);
        return;
      }
      if (__builtin_add_overflow(total, value, &total)) {
        // A wrong total would be worse than none: the session ends.
        self.send("error: overflow");
        self.close();
        return;
      }
      self.send(std::to_string(total));
    }};
  };
  return h;
}

} // namespace

int main(int argc, char** argv) {
  auto table = pss::handlers::builtin();
  table.add("upper", upper());
  table.add("sum", sum());
  return pss::node::run_node(argc, argv, std::move(table));
}
