#include "pss/server_ref.hpp"

#include <cctype>

namespace pss {

server_ref parse_server_ref(caf::string_view text) {
  std::string str{text.begin(), text.end()};
  bool all_digits = !str.empty() && str.size() <= 5;
  for (auto c : str)
    all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    auto value = std::stoul(str);
    if (value >= 1 && value <= 65535)
      return static_cast<uint16_t>(value);
  }
  return str;
}

std::string to_string(const server_ref& ref) {
  if (auto port = ref.port())
    return "port " + std::to_string(*port);
  if (auto name = ref.name())
    return *name;
  auto hdl = ref.handle();
  return *hdl ? "actor#" + std::to_string(hdl->id()) : "invalid actor";
}

} // namespace pss
