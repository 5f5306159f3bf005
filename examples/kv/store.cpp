#include "store.hpp"

#include <tuple>

#include <caf/atom.hpp>

namespace kv {

caf::behavior store(caf::stateful_actor<store_state>* self) {
  return {
      [self](caf::put_atom, const std::string& key, std::string& value) {
        self->state.values[key] = std::move(value);
        return caf::ok_atom::value;
      },
      [self](caf::get_atom, const std::string& key) {
        auto& values = self->state.values;
        auto i = values.find(key);
        if (i == values.end())
          return std::make_tuple(false, std::string{});
        return std::make_tuple(true, i->second);
      },
      [self](caf::delete_atom, const std::string& key) {
        return self->state.values.erase(key) > 0;
      },
  };
}

} // namespace kv
