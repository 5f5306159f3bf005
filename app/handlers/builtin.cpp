#include "handlers.hpp"

namespace pss::handlers {

handler_table builtin() {
  handler_table table;
  table.add("echo", echo());
  table.add("chat", chat());
  return table;
}

} // namespace pss::handlers
