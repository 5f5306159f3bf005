#include "pss/config.hpp"

#include <caf/io/middleman.hpp>
#include <caf/settings.hpp>

#include "caf017/own_threads.hpp"
#include "caf017/scheduler.hpp"
#include "memory/heap_release.hpp"
#include "pss/errors.hpp"
#include "type_ids.hpp"

namespace pss {

namespace {

// Messages an actor handles before it yields its thread.
constexpr int fair_max_throughput = 100;

} // namespace

void configure(caf::actor_system_config& cfg) {
  // CAF's middleman, its multiplexer keeping actors of other actor systems
  // on their own threads (caf017/own_threads.hpp).
  cfg.load<caf::io::middleman, caf017::own_system_multiplexer>();
  // CAF 0.17 lets an actor with mail keep its thread without limit. Every
  // broker shares the one I/O thread, so one session busy with messages (a
  // self-sending loop, a flood from other actors) would stall every other
  // session and server of the node. A bound keeps the loop fair; a user's
  // own setting wins.
  if (caf::get_if(&cfg.content, "scheduler.max-throughput") == nullptr)
    cfg.set("scheduler.max-throughput", fair_max_throughput);
  // One read per socket and loop turn. CAF's default (50) reads until the
  // socket is dry: an extra failing read per event for request/response
  // traffic, and up to 50 reads a session must swallow before a pause for a
  // peer that does not read its replies takes effect. Level-triggered epoll
  // comes back for whatever is left.
  if (caf::get_if(&cfg.content, "middleman.max-consecutive-reads") == nullptr)
    cfg.set("middleman.max-consecutive-reads", 1);
  // CAF's scheduler with a clock that spares sessions CAF's cancel of
  // timeouts they never set (caf017/scheduler.hpp). A scheduler module a
  // user adds after this call replaces it.
  cfg.module_factories.push_back(caf017::make_scheduler);
  // Work sharing: an idle scheduler thread sleeps until work comes and is
  // woken for it at once. CAF's default, work stealing, polls (burning
  // CPU) and then sleeps up to 10 ms between attempts, so a session off the
  // I/O thread (runs-on pool) pays either way: measured here, twice the CPU
  // per request of work sharing under request/response load.
  if (caf::get_if(&cfg.content, "scheduler.policy") == nullptr)
    cfg.set("scheduler.policy", caf::atom("sharing"));
  // Large packets' buffers go back to the system once freed.
  release_large_buffers_to_system();
  cfg.add_message_types<caf::id_block::pss>();
  cfg.add_error_category(error_category, render_error);
}

} // namespace pss
