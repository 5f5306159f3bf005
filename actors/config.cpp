#include "pss/config.hpp"

#include <caf/io/middleman.hpp>
#include <caf/settings.hpp>

#include "pss/errors.hpp"
#include "type_ids.hpp"

namespace pss {

namespace {

// Messages an actor handles before it yields its thread.
constexpr int fair_max_throughput = 100;

} // namespace

void configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  // CAF 0.17 lets an actor with mail keep its thread without limit. Every
  // broker shares the one I/O thread, so one session busy with messages (a
  // self-sending loop, a flood from other actors) would stall every other
  // session and server of the node. A bound keeps the loop fair; a user's
  // own setting wins.
  if (caf::get_if(&cfg.content, "scheduler.max-throughput") == nullptr)
    cfg.set("scheduler.max-throughput", fair_max_throughput);
  cfg.add_message_types<caf::id_block::pss>();
  cfg.add_error_category(error_category, render_error);
}

} // namespace pss
