#include "pss/handlers.hpp"

namespace pss {

void handler_table::add(std::string name, handler h) {
  handlers_[std::move(name)] = std::move(h);
}

const handler* handler_table::find(const std::string& name) const {
  auto i = handlers_.find(name);
  return i == handlers_.end() ? nullptr : &i->second;
}

std::vector<std::string> handler_table::names() const {
  std::vector<std::string> result;
  for (auto& entry : handlers_)
    result.push_back(entry.first);
  return result;
}

} // namespace pss
