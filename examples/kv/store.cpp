#include "store.hpp"

#include <tuple>

#include <caf/atom.hpp>

namespace kv {

caf::behavior store::make_behavior() {
  return {
      [this](caf::put_atom, const std::string& key, std::string& value) {
        state.values[key] = std::move(value);
        return caf::ok_atom::value;
      },
      [this](caf::get_atom, const std::string& key) {
        auto& values = state.values;
        auto i = values.find(key);
        if (i == values.end())
          return std::make_tuple(false, std::string{});
        return std::make_tuple(true, i->second);
      },
      [this](caf::delete_atom, const std::string& key) {
        return state.values.erase(key) > 0;
      },
  };
}

} // namespace kv
