#include "autoscaler.hpp"

#include <cstdio>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>

#include <pss/errors.hpp>
#include <pss/requests.hpp>

namespace autoscale {

namespace {

using look_atom = caf::atom_constant<caf::atom("look")>;

/// Lines on stdout are for scripts and tests: flushed at once.
void print_event(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string change_text(const char* what, const pss::server_ref& server,
                        int32_t from, pss::status now) {
  return std::string{what} + " " + pss::to_string(server)
         + " max=" + std::to_string(from) + "->" + std::to_string(now.max)
         + " num=" + std::to_string(now.num);
}

} // namespace

caf::behavior autoscaler(caf::stateful_actor<watch_state>* self,
                         pss::registry_actor reg, watch_settings settings) {
  // One request at a time: the next look is planned only when this one has
  // its answer, so a slow node is never asked faster than it answers.
  auto look_later = [=] {
    self->delayed_send(self, settings.interval, look_atom::value);
  };
  auto failed = [=](const caf::error& err) {
    auto& st = self->state;
    if (err == pss::error::retrylater) {
      // The registry knows no such server: stopped by someone, or never
      // there. Either way there is nothing left to watch.
      if (st.watching) {
        print_event("gone " + pss::to_string(settings.server));
        self->quit();
      } else {
        self->quit(err);
      }
      return;
    }
    if (++st.failures >= settings.max_failures) {
      self->quit(err);
      return;
    }
    look_later();
  };
  auto change_max = [=](pss::status now, int32_t to) {
    pss::request_set_max(self, reg, settings.server, to, settings.timeout)
        .then(
            [=](pss::status after) {
              print_event(change_text(to > now.max ? "raised" : "lowered",
                                      settings.server, now.max, after));
              look_later();
            },
            failed);
  };
  self->state.rule = settings.rule;
  // The registry's handle ends when the connection to the node does: that
  // ends the watch at once, without waiting for requests to time out.
  self->monitor(reg);
  self->set_down_handler([=](caf::down_msg& down) {
    if (down.source != reg.address())
      return;
    // A registry that ended normally (its node shut down) is as lost as
    // one whose connection broke.
    self->quit(down.reason
                   ? down.reason
                   : caf::make_error(caf::exit_reason::remote_link_unreachable));
  });
  self->send(self, look_atom::value);
  return {
    [=](look_atom) {
      pss::request_status(self, reg, settings.server, settings.timeout)
          .then(
              [=](pss::status now) {
                auto& st = self->state;
                st.failures = 0;
                if (!st.watching) {
                  st.watching = true;
                  print_event("watching " + pss::to_string(settings.server)
                              + " max=" + std::to_string(now.max)
                              + " num=" + std::to_string(now.num));
                  // Without a floor the server's own Max is one: the
                  // autoscaler never takes away what the operator gave.
                  if (st.rule.floor == 0)
                    st.rule.floor = now.max;
                }
                auto to = next_max(st.rule, now);
                if (to != now.max)
                  change_max(now, to);
                else
                  look_later();
              },
              failed);
    },
  };
}

} // namespace autoscale
