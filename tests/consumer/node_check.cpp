// Built outside the pss tree against the installed pss::node and
// pss::handlers: pss-node's life with one handler of its own, as the
// README's "reuse the node" example. tools/consumer_test.sh runs it.
#include <cctype>

#include <pss/builtin_handlers.hpp>
#include <pss/node.hpp>

int main(int argc, char** argv) {
  auto table = pss::handlers::builtin();
  pss::handler upper;
  upper.summary = "answers in capitals";
  upper.default_packet = pss::packet_type::line;
  upper.make_session = [](pss::session& self) -> caf::behavior {
    return {[&self](const pss::packet& pkt) {
      auto text = pkt.data;
      for (auto& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      self.send(text);
    }};
  };
  table.add("upper", upper);
  return pss::node::run_node(argc, argv, std::move(table));
}
