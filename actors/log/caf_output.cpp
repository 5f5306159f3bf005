// CAF's `aout` goes to its printer actor, which writes to std::cout and
// flushes, blocking: a pipe nobody reads stops the printer, and the actor
// system then waits for it for ever at shutdown. CAF 0.17 itself prints
// `*** unexpected message` there (`print_and_drop` in
// libcaf_core/src/scheduled_actor.cpp) for every message an actor has no
// handler for, and BASP's per-peer helper (`learned_new_node` in
// libcaf_io/src/io/basp_broker.cpp) takes messages from any peer by its id:
// one line per message of a peer. The printer can send its lines to a local
// group instead (`actor_ostream::redirect_all` with a name starting with
// ':'); an actor in that group hands them to pss's log.

#include <caf/actor_ostream.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/group.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include "pss/log.hpp"

namespace pss {

namespace {

constexpr const char* output_group = ":pss-caf-output";

void log_printed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.empty())
    return;
  if (text.find("*** unexpected message") != std::string::npos)
    log(log_level::warning, "caf", log_kind{"unexpected message"}, text);
  else
    log(log_level::info, "caf", log_kind{"output"}, text);
}

// Hidden: the system does not wait for it (it would wait for ever: the
// printer, whose lines it carries, ends only after that wait). It ends when
// its caf_output_log goes, before the system; the printer's end is only a
// fallback, too late to count on at shutdown (the scheduler may stop first,
// leaving the relay and its group membership behind).
caf::behavior caf_output_relay(caf::event_based_actor* self,
                               caf::group source) {
  self->join(source);
  self->monitor(self->home_system().scheduler().printer());
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  return {
      [](const std::string&, std::string& text) {
        log_printed(std::move(text));
      },
  };
}

} // namespace

caf_output_log::caf_output_log(caf::actor_system& sys, caf::actor relay)
    : sys_(sys), relay_(std::move(relay)) {
  // nop
}

caf_output_log::~caf_output_log() {
  caf::scoped_actor self{sys_, true};
  self->send_exit(relay_, caf::exit_reason::user_shutdown);
  self->wait_for(relay_);
}

caf_output_log log_caf_output(caf::actor_system& sys) {
  auto source = sys.groups().get_local(output_group);
  auto relay = sys.spawn<caf::hidden>(caf_output_relay, source);
  caf::actor_ostream::redirect_all(sys, output_group);
  return caf_output_log{sys, std::move(relay)};
}

} // namespace pss
